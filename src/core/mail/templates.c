/*
 * templates.c - the text of every e-mail Alcove sends.
 *
 * E-mails are plain text (no HTML, no tracking, nothing remote), so they
 * live here as a table rather than in templates/, whose compiler is about
 * HTML escaping.  {{key}} is replaced by a variable given at enqueue time.
 *
 * Rules for the text: plain language; never any PHI (a mail may be read
 * on a phone's lock screen or by whoever shares the mailbox); say what to
 * do if the mail was not expected.
 */
#include "core/mail/mail.h"
#include "base/arena.h"
#include "base/buf.h"
#include "base/err.h"

#include <string.h>

struct mail_template {
	const char *name, *subject, *body;
};

static const struct mail_template templates[] = {
	{"password_reset", "Reset your Alcove password",
	    "Someone, probably you, asked to reset the password of your Alcove "
	    "account.\n\n"
	    "To choose a new password, open this link within 30 minutes:\n\n"
	    "{{url}}\n\n"
	    "The link works once. If you did not ask for this, you can ignore "
	    "this e-mail: your password stays the same. If you keep getting "
	    "these e-mails without asking, tell your practice administrator.\n\n"
	    "This message was sent automatically by Alcove. Replies are not "
	    "read.\n"},
	/* An invitation names the practice and who sent it, so the person
	 * can tell it from phishing; no patient information. */
	{"invite", "You are invited to Alcove ({{practice}})",
	    "{{inviter}} has given you an account in Alcove, the practice "
	    "system of {{practice}}.\n\n"
	    "To choose your password, open this link within 72 hours:\n\n"
	    "{{url}}\n\n"
	    "The link works once. After choosing a password you sign in with "
	    "this e-mail address; some roles also set up two-step sign-in with "
	    "an authenticator app. If you did not expect this e-mail, do not "
	    "open the link and tell the practice.\n\n"
	    "This message was sent automatically by Alcove. Replies are not "
	    "read.\n"},
	/* A person who already has an account was given roles in another
	 * practice (core/users/invite_request.c): same password, no link to
	 * follow blindly, only the sign-in page. */
	{"practice_added", "You were added to {{practice}} in Alcove",
	    "{{inviter}} has given your Alcove account access to "
	    "{{practice}}.\n\n"
	    "Sign in as usual, with the same e-mail address and password:\n\n"
	    "{{url}}\n\n"
	    "If you did not expect this e-mail, tell the practice.\n\n"
	    "This message was sent automatically by Alcove. Replies are not "
	    "read.\n"},
	/* No patient information: compliance tasks are about the practice. */
	{"compliance_reminder", "Compliance task {{when}}: {{title}}",
	    "This compliance task is {{when}}:\n\n"
	    "    {{title}}\n"
	    "    Due: {{due}}\n\n"
	    "Open it, complete it or hand it to someone else here:\n\n"
	    "{{link}}\n\n"
	    "You receive this because you own the task, are its backup, or are "
	    "responsible for the practice's compliance program.\n\n"
	    "This message was sent automatically by Alcove. Replies are not "
	    "read.\n"},
	/* The audit trail's daily digest (core/audit_view/digest_job.c):
	 * numbers only, never PHI; the copy outside the database is the
	 * point, so the mail says to keep it. */
	{"audit_digest", "Audit trail digest for {{day}}",
	    "This is the daily digest of your practice's Alcove audit trail. "
	    "Keep this e-mail: it lets anyone check later that no events were "
	    "removed from the trail.\n\n"
	    "    Day (UTC):        {{day}}\n"
	    "    Recorded at:      {{recorded}}\n"
	    "    Last event:       {{seq}}\n"
	    "    Events in trail:  {{count}}\n"
	    "    Hash:             {{hash}}\n\n"
	    "To check, run `alcove audit verify` on the server: it compares the "
	    "trail with every recorded digest.\n\n"
	    "You receive this because you are responsible for the practice's "
	    "compliance program.\n\n"
	    "This message was sent automatically by Alcove. Replies are not "
	    "read.\n"},
};

static const struct mail_template *
find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(templates) / sizeof(templates[0]); i++)
		if (strcmp(templates[i].name, name) == 0)
			return &templates[i];
	return NULL;
}

static const char *
var_value(const char *const *vars, const char *key, size_t klen)
{
	size_t i;

	for (i = 0; vars != NULL && vars[i] != NULL && vars[i + 1] != NULL;
	    i += 2)
		if (strlen(vars[i]) == klen && memcmp(vars[i], key, klen) == 0)
			return vars[i + 1];
	return NULL;
}

/* Copies text into a arena string, replacing each {{key}}. */
static int
expand(struct arena *a, const char *text, const char *const *vars,
    const char **out)
{
	const char *p = text, *open, *close, *v;
	struct buf b;

	buf_init(&b, a);
	while ((open = strstr(p, "{{")) != NULL) {
		if ((close = strstr(open + 2, "}}")) == NULL)
			break;
		buf_append(&b, p, (size_t)(open - p));
		if ((v = var_value(vars, open + 2, (size_t)(close - open - 2)))
		    == NULL)
			return ALC_EINVAL;
		buf_puts(&b, v);
		p = close + 2;
	}
	buf_puts(&b, p);
	if (buf_failed(&b))
		return ALC_ENOMEM;
	*out = buf_cstr(&b);
	return 0;
}

int
mail_render(struct arena *a, const char *name, const char *const *vars,
    const char **subject, const char **body)
{
	const struct mail_template *t = find(name);
	int rc;

	if (t == NULL)
		return ALC_ENOTFOUND;
	if ((rc = expand(a, t->subject, vars, subject)) != 0 ||
	    (rc = expand(a, t->body, vars, body)) != 0)
		return rc;
	return 0;
}
