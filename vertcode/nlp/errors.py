"""The messages vertcode's spaCy components raise, in one place, as spaCy keeps its own
(`spacy.errors.Errors`)."""

from spacy.language import Language


class Errors:
    E001 = (
        "The '{name}' component needs {missing} before it in the pipeline, which has {pipeline}. vertcode's "
        "components read what the ones before them wrote: build the whole pipeline with "
        "vertcode.nlp.pipeline.build() (and save it with nlp.to_disk()), or add the missing components first, "
        "in the order of vertcode.nlp.pipeline."
    )


class PipelineError(ValueError):
    """A vertcode component is in a pipeline without the components it reads from."""


def require_before(nlp: Language, name: str, factories: tuple[str, ...]) -> None:
    """Raises `PipelineError` unless components made by each of `factories` run before `name`.

    Without them the component fails deep in its reading (an IndexError on missing sections) or,
    worse, reads nothing and suggests no code; a user assembling their own pipeline from
    spacy.blank("en") needs to be told which are missing.
    """
    names = nlp.pipe_names
    before = names[: names.index(name)] if name in names else names
    present = {nlp.get_pipe_meta(pipe).factory for pipe in before}
    missing = [factory for factory in factories if factory not in present]
    if missing:
        raise PipelineError(
            Errors.E001.format(
                name=name,
                missing=", ".join(f"'{factory}'" for factory in missing),
                pipeline=f"[{', '.join(repr(n) for n in names)}]" if names else "no components",
            )
        )
