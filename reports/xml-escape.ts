/**
 * XML 1.0 allows only #x9, #xA, #xD, #x20-#xD7FF, #xE000-#xFFFD and
 * #x10000-#x10FFFF, even as character references. Anything else (NUL and the
 * other C0 controls a binary payload brings into a trace, U+FFFE/U+FFFF, lone
 * surrogates) would make the whole file unreadable, so it is written as a
 * visible `\uXXXX` instead.
 */
const INVALID_XML_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

/** Replaces characters XML 1.0 cannot carry with `\uXXXX`. */
export function replaceInvalidXmlChars(text: string): string {
  return text.replace(INVALID_XML_CHAR, (c) => `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`)
}

/** Escapes text content. `>` is escaped too, so `]]>` can never appear. */
export function escapeXmlText(text: string): string {
  return replaceInvalidXmlChars(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

/**
 * Escapes an attribute value for double quotes. Tabs and line breaks become
 * character references because a parser would otherwise normalise them to
 * spaces (a failure message keeps its lines).
 */
export function escapeXmlAttr(text: string): string {
  return escapeXmlText(text)
    .replace(/"/g, '&quot;')
    .replace(/\t/g, '&#9;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;')
}
