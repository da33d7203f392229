"""Prefect 3's global concurrency limits: `cauce.concurrency.sync` for plain code and
`cauce.concurrency.asyncio` for async code, each with `concurrency` (hold slots for a
block) and `rate_limit` (take slots that free themselves by decay)."""
