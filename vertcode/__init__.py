"""vertcode: CPT code suggestions, with cited evidence, for vertebral augmentation notes."""

__version__ = "0.1.0"
