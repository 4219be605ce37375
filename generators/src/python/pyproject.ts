// pyproject.toml: hatchling; httpx, pydantic v2 and typing_extensions at run time; pytest,
// anyio, mypy and ruff (the generator formats with this exact ruff) for the tests.
import type { ApiModel } from '../model/index.js';

/** The ruff the generator's output is formatted with; CI installs this one (test extra). */
export const RUFF_VERSION = '0.17.6';

export function renderPyproject(model: ApiModel): string {
  return `[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "aerostack"
version = "${model.version}"
description = "Python client of ${model.title}, generated from its OpenAPI spec."
readme = "README.md"
license = { text = "Apache-2.0" }
requires-python = ">=3.9"
dependencies = [
    "httpx>=0.25,<1",
    "pydantic>=2.5,<3",
    "typing_extensions>=4.7",
]
classifiers = [
    "Programming Language :: Python :: 3",
    "Typing :: Typed",
]

[project.optional-dependencies]
test = [
    "pytest>=7",
    "anyio>=4",
    "mypy>=1.10",
    "ruff==${RUFF_VERSION}",
]

[tool.hatch.build.targets.wheel]
packages = ["aerostack"]

[tool.pytest.ini_options]
testpaths = ["tests"]

[tool.mypy]
strict = true
plugins = ["pydantic.mypy"]
files = ["aerostack", "tests"]

[tool.ruff]
line-length = 100
target-version = "py39"
`;
}
