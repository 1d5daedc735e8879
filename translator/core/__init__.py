"""The one translate route: :mod:`.pipeline` (text → Translation → summary, what every entry point
calls) over :mod:`.translate` (:class:`Translator`) and :mod:`.summarize` (:class:`Summarizer`),
which plan documents (:mod:`.plans`), run unique pieces through an engine (:mod:`.generation`) and
keep each sentence's English in the sentence cache (:mod:`.cache`).

Layer: imports formats, engines, text, system and the base modules; never news, server, batch,
evaluation or cli.
"""
