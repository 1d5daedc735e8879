"""Text on its way to a model and back: paragraphs → sentences (:mod:`.segment`, rules in
:mod:`.segment_rules`), sentences → pieces within a token budget (:mod:`.pieces`), the language of
a text and its route (:mod:`.language`, codes in :mod:`.language_codes`), and the checks every
entry point applies to what it is given (:mod:`.inputs`).

Layer: imports ``translator.system`` and the base modules (options, results, paths, errors) only;
never engines, formats, core or anything above.
"""
