"""XML plumbing for REFI-QDA: namespaces, GUIDs, writing with lxml, reading with defusedxml."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from xml.etree import ElementTree

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as defused
from lxml import etree

from qualcode.errors import QualcodeError

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
GUID_PATTERN = re.compile(r"^\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                          r"[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\}?$")


def guid(project_id: str, key: str) -> str:
    """A GUID that stays the same across exports: uuid5 of the project id and an entity key
    such as `code:need.funding`."""
    return str(uuid.uuid5(uuid.UUID(project_id), key))


def norm_guid(value: str | None) -> str | None:
    """A GUID as compared on import: lowercase, no braces; None when it is not a GUID."""
    match = GUID_PATTERN.match((value or "").strip())
    return match.group(1).lower() if match else None


def element(parent: etree._Element | None, ns: str, tag: str, text: str | None = None,
            **attributes: str | None) -> etree._Element:
    """Make `<tag>` in namespace `ns` (a child of `parent` when given); None attributes are
    left out."""
    name = f"{{{ns}}}{tag}"
    attrs = {k: v for k, v in attributes.items() if v is not None}
    node = etree.Element(name, attrs, nsmap={None: ns}) if parent is None else \
        etree.SubElement(parent, name, attrs)
    if text is not None:
        node.text = text
    return node


def to_bytes(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)


def parse(data: bytes, what: str) -> ElementTree.Element:
    """Parse untrusted XML with defusedxml: a DTD, entity declarations and external
    references are refused before anything is expanded or fetched (QDA tools never write
    them; they are how entity bombs and file disclosure come in)."""
    try:
        return defused.fromstring(data, forbid_dtd=True, forbid_entities=True,
                                  forbid_external=True)
    except DefusedXmlException as e:
        raise QualcodeError(f"{what} is refused: {e.__class__.__name__} (DTDs, entities "
                            "and external references are not allowed)") from None
    except ElementTree.ParseError as e:
        raise QualcodeError(f"{what} is not well-formed XML (line {e.position[0]})") from None


def local(node: ElementTree.Element) -> str:
    """The tag without its namespace: files from other tools use older namespaces."""
    return node.tag.rsplit("}", 1)[-1] if isinstance(node.tag, str) else ""


def kids(node: ElementTree.Element, tag: str) -> Iterator[ElementTree.Element]:
    """Direct children named `tag`, in any namespace."""
    return (child for child in node if local(child) == tag)


def kid(node: ElementTree.Element, tag: str) -> ElementTree.Element | None:
    return next(kids(node, tag), None)


def kid_text(node: ElementTree.Element, tag: str) -> str:
    found = kid(node, tag)
    return "".join(found.itertext()) if found is not None else ""
