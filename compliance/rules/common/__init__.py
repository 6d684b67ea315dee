"""Rules of every suite: waivers (WAV), the settings (CFG), the reading limits (LIM). INT001, the
tool's own failure, is the registry's."""

from compliance.rules.common import cfg, lim, wav  # noqa: F401
