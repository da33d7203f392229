"""SQL on a Connection: insert_ / select_ / update_ / delete_ functions, one module per entity."""
