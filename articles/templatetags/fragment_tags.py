"""``{% owned_by member_id %}…{% endowned_by %}``: a piece only its owner sees.

Inside a cached fragment (``reading/fragments.py``, which renders with
``fragment`` set) the piece is wrapped in markers and cut per request for
everyone but the owner; rendered directly, it is shown to the owner alone.
"""

from django import template
from django.utils.safestring import mark_safe

from ..reading.items import OWNED_CLOSE, OWNED_OPEN

register = template.Library()


class OwnedNode(template.Node):
    def __init__(self, owner, nodelist):
        self.owner = owner
        self.nodelist = nodelist

    def render(self, context):
        owner = self.owner.resolve(context)
        if owner is None:
            return ""
        if context.get("fragment"):
            inner = self.nodelist.render(context)
            return mark_safe(OWNED_OPEN.format(int(owner)) + inner + OWNED_CLOSE)
        request = context.get("request")
        user = getattr(request, "user", None)
        if user is None or user.pk is None or user.pk != int(owner):
            return ""
        return self.nodelist.render(context)


@register.tag
def owned_by(parser, token):
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError("owned_by takes one argument: a member id")
    nodelist = parser.parse(("endowned_by",))
    parser.delete_first_token()
    return OwnedNode(parser.compile_filter(bits[1]), nodelist)
