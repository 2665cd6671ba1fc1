"""Expressions: `=...{{ code }}...` templates evaluated per item.

One interface (`ExpressionLanguage`) so a second language (JavaScript, for imported n8n
workflows) plugs in beside Python; templates, caching and error wrapping are shared.
"""

from .engine import ExpressionEngine, is_expression
from .template import TemplateSyntaxError, split_template

__all__ = ["ExpressionEngine", "TemplateSyntaxError", "is_expression", "split_template"]
