// pyproject.toml: hatchling, httpx, Python >= 3.9, pytest for the live tests.
import type { ApiModel } from '../model/index.js';

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
dependencies = ["httpx>=0.24,<1"]
classifiers = [
    "Programming Language :: Python :: 3",
    "Typing :: Typed",
]

[project.optional-dependencies]
test = ["pytest>=7"]

[tool.hatch.build.targets.wheel]
packages = ["aerostack"]

[tool.pytest.ini_options]
testpaths = ["tests"]
`;
}
