/*
 * markdown.h - a small, safe markdown renderer for policy texts.
 *
 * The subset: headings ("# " to "###### ", shown as h2 to h4 because the
 * page's h1 is the policy's title), paragraphs separated by blank lines,
 * bulleted ("- ", "* ") and numbered ("1. ") lists, **bold**, *italic* /
 * _italic_, and [links](https://...) whose target is http, https or
 * mailto only.  Nothing else is markup: every character of the input is
 * escaped (& < > " ' become entities, invalid UTF-8 and control
 * characters U+FFFD), and the only tags in the output are the ones this
 * renderer writes itself (h2 h3 h4 p ul ol li strong em a br).  A link
 * with any other target (javascript:, data:, relative) is shown as its
 * text without a link.  Raw HTML in the input is shown as text.
 */
#ifndef ALC_WEB_MARKDOWN_H
#define ALC_WEB_MARKDOWN_H

struct buf;

/* Appends the HTML of markdown `md` (NULL: nothing) to out. */
void markdown_render(struct buf *out, const char *md);

#endif
