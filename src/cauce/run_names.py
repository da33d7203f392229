"""Run names: an adjective and an animal, lower-case, joined by `-` (`zippy-skunk`).

A small built-in word list instead of coolname: generating a name must not
cost an import of tens of thousands of words on every run.
"""

import random

_ADJECTIVES = (
    "able agile amber ancient arctic azure bold brave bright brisk calm candid cheerful clever "
    "cosmic crafty crimson curious daring dashing deft eager earnest electric elegant emerald "
    "fancy fearless fervent fiery flashy fluffy fresh friendly funky gentle gifted glossy golden "
    "graceful grinning happy hardy hearty helpful heroic honest humble icy idealistic imaginative "
    "jolly jovial keen kind lively lucky magenta majestic mellow merry mighty modest nimble noble "
    "olive omniscient orange patient peaceful perky placid polite precious proud quick quiet "
    "radiant rapid resolute robust rosy ruby rustic sapphire scarlet serene sharp shiny silky "
    "silver smart snappy solid spicy spirited splendid steady stellar sturdy sunny swift tactful "
    "tangerine thoughtful tidy tireless tough tranquil true turquoise upbeat valiant vehement "
    "vibrant vigilant violet vivid warm wise witty wondrous zealous zippy"
).split()

_ANIMALS = (
    "aardvark albatross alligator alpaca anteater antelope armadillo baboon badger barracuda "
    "bat bear beaver bison bobcat buffalo butterfly camel capybara caracal cardinal caribou "
    "cheetah chameleon chinchilla cobra condor corgi cougar coyote crab crane crocodile crow "
    "dingo dolphin donkey dove dragonfly eagle eel elk emu falcon ferret finch flamingo fox "
    "gazelle gecko gibbon giraffe gopher gorilla grasshopper grouse hare hawk hedgehog heron "
    "hippo hornet hound hummingbird hyena ibex iguana impala jackal jaguar kangaroo kingfisher "
    "koala lemming lemur leopard lion lizard llama lobster lynx macaw magpie manatee mandrill "
    "marmot meerkat mink mole mongoose moose narwhal newt ocelot octopus okapi opossum orca "
    "oriole oryx ostrich otter owl panda panther parrot peacock pelican penguin puffin puma "
    "python quail rabbit raccoon raven reindeer rhino robin salamander seal shark sheep skunk "
    "sloth snail sparrow squid squirrel starling stork swan tapir tarantula tiger toad toucan "
    "turtle vulture walrus warthog weasel whale wolf wombat woodpecker yak zebra"
).split()


def generate_run_name() -> str:
    """A random adjective-animal name for a flow run."""
    return f"{random.choice(_ADJECTIVES)}-{random.choice(_ANIMALS)}"
