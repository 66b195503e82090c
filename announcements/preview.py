"""The phone preview, drawn from the request that is sent to Meta.

``Announcement.send_kwargs`` is what the engine sends and ``template_object`` builds the
request's ``template`` object from it; the preview takes the parameters back out of that
object and puts them into the template's text, with the header, footer and buttons of
the template. So the preview shows what the request makes of the template, not a second
rendering of the form's fields: the two cannot differ (``test_preview`` compares them with
what the simulator renders from the request it receives).
"""

from dataclasses import dataclass

from django.utils import timezone

from whatsapp.backends.base import template_object

from . import templating


@dataclass(frozen=True)
class Preview:
    header_kind: str  # "" | "text" | "image" | "document"
    header_text: str
    body: str
    footer: str
    buttons: tuple

    @property
    def body_html(self):
        return templating.whatsapp_to_html(self.body)

    def as_text(self):
        """Header, body and footer as one text, the way the simulator's phone records it."""
        parts = [self.header_text] if self.header_kind == "text" else []
        parts.append(self.body)
        if self.footer:
            parts.append(self.footer)
        return "\n\n".join(parts)


def request_template(announcement):
    """The ``template`` object of the send request for ``announcement`` (saved or not)."""
    if announcement.created_at is None:  # an unsaved form: document names need a date
        announcement.created_at = timezone.now()
    kwargs = announcement.send_kwargs()
    del kwargs["marketing"]  # which endpoint it goes through, not part of the template
    return template_object(**kwargs)


def render(announcement):
    """What the resident's phone shows for ``announcement``, from its send request."""
    template = announcement.template
    sent = request_template(announcement)
    body_params, header_kind = [], ""
    for component in sent.get("components", ()):
        if component["type"] == "body":
            body_params = [parameter["text"] for parameter in component["parameters"]]
        elif component["type"] == "header":
            header_kind = component["parameters"][0]["type"]
    if not header_kind and template.header_type == "TEXT":
        header_kind = "text"
    return Preview(
        header_kind=header_kind,
        header_text=template.header_text if header_kind == "text" else "",
        body=templating.render_body(template.body, body_params),
        footer=template.footer,
        buttons=tuple(template.buttons or ()),
    )
