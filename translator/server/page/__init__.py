"""The Gradio page: its layout (:mod:`.layout`), the HTML and Markdown it shows (:mod:`.render`)
and the page itself with its event handlers (:mod:`.page`), over the server's backend."""
