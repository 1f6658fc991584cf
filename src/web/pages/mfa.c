/*
 * pages/mfa.c - two-step sign-in: the code page after the password, and
 * the account page that sets it up, makes new recovery codes and turns it
 * off.
 *
 * Which session may reach which of these pages is decided centrally
 * (web/authz.c, by the session's stage); the handlers here only re-check
 * the state that makes a request pointless (e.g. confirming setup when MFA
 * is already on) and send the user somewhere sensible.
 *
 * When the second factor has been checked (a code at sign-in, or the code
 * that confirms setup) the session is rotated: a new token with its mfa
 * flag set, the old session ended as "rotated".
 *
 * The QR code is an SVG image built here from libqrencode's modules (one
 * <path> of black runs), served by its own no-store route so the page
 * needs no inline markup the CSP would have to allow.
 */
#include "web/pages/pages.h"
#include "web/http.h"
#include "web/audit_web.h"
#include "web/page.h"
#include "web/server.h"
#include "web/session.h"
#include "web/views_mfa.h"
#include "base/arena.h"
#include "audit/audit.h"
#include "base/err.h"
#include "base/log.h"
#include "base/timeutil.h"
#include "core/users/mfa.h"
#include "core/users/users.h"
#include "crypto/password.h"
#include "templates.h"

#include <qrencode.h>
#include <stdio.h>
#include <string.h>

#define CODE_MAX 64

static const char *
when(struct req *r, int64_t ms)
{
	char iso[32];

	time_format_iso(iso, sizeof(iso), ms);
	return arena_printf(r->arena, "%.10s %.5s UTC", iso, iso + 11);
}

static const char *
wait_message(struct req *r, int s)
{
	return arena_printf(r->arena, "Too many wrong codes. Please wait %d "
	    "second%s and try again.", s, s == 1 ? "" : "s");
}

/* Replaces the request's session by a fresh one with the second factor
 * checked, and sends its cookie. */
static int
rotate_mfa(struct req *r)
{
	char token[RAND_TOKEN_SIZE];
	struct audit_event who;
	struct session *se;
	int rc;

	if ((se = arena_alloc(r->arena, sizeof(*se))) == NULL)
		return ALC_ENOMEM;
	web_audit_who(r, &who);
	rc = session_rotate(r->app->db, r->sess, 1, r->addr,
	    req_header(r, "User-Agent"), time_now_ms(), &who, token, se);
	if (rc == 0) {
		web_session_cookie(r, token);
		r->sess = se;
	}
	crypto_wipe(token, sizeof(token));
	return rc;
}

static int
render_login(struct req *r, int status, const char *error, const char *next)
{
	struct mfa_login_view v;
	struct buf body;

	memset(&v, 0, sizeof(v));
	v.csrf = r->sess->csrf;
	v.next = page_safe_next(next);
	v.error = error;
	buf_init(&body, r->arena);
	tmpl_mfa_login(&body, &v);
	return page_send(r, status, "Enter your sign-in code", &body);
}

int
page_mfa_login_form(struct req *r)
{
	if (r->sess->stage != SESSION_MFA_PENDING)
		return resp_redirect(r, 303, "/home");
	return render_login(r, 200, NULL, req_query(r, "next"));
}

int
page_mfa_login_submit(struct req *r)
{
	const char *code = req_form(r, "code"), *next = req_form(r, "next");
	struct audit_event who;
	struct mfa_check res;
	int rc;

	if (r->sess->stage != SESSION_MFA_PENDING)
		return resp_redirect(r, 303, "/home");
	if (code == NULL || code[0] == '\0' || strlen(code) > CODE_MAX)
		return render_login(r, 422, "Enter the 6-digit code from your "
		    "app, or a recovery code.", next);
	web_audit_who(r, &who);
	if ((rc = mfa_verify(r->app->db, r->app->keys, r->sess->user_id, code,
	    time_now_ms(), &who, &res)) != 0)
		return rc;
	if (res.outcome == MFA_LOCKED) {
		log_warn("mfa code throttled", "rid=%s user=%lld retry_s=%d",
		    r->rid, (long long)r->sess->user_id, res.retry_after_s);
		return render_login(r, 429, wait_message(r, res.retry_after_s),
		    next);
	}
	if (res.outcome != MFA_OK) {
		log_info("mfa code refused", "rid=%s user=%lld", r->rid,
		    (long long)r->sess->user_id);
		return render_login(r, 401, "That code is not right, or it was "
		    "already used. Enter the code your app shows now.", next);
	}
	if ((rc = rotate_mfa(r)) != 0)
		return rc == ALC_EAUTH ? resp_redirect(r, 303, "/login") : rc;
	log_info("signed in", "rid=%s user=%lld mfa=%s", r->rid,
	    (long long)r->sess->user_id,
	    res.used_recovery ? "recovery" : "app");
	if (res.used_recovery)
		return resp_redirect(r, 303, "/account/mfa?done=recovery");
	return resp_redirect(r, 303, page_safe_next(next) ? next : "/home");
}

/* "ABCDEFGH..." -> "ABCD EFGH ..." for reading aloud and typing. */
static const char *
grouped(struct req *r, const char *b32)
{
	struct buf b;
	size_t i;

	buf_init(&b, r->arena);
	for (i = 0; b32[i]; i++) {
		if (i > 0 && i % 4 == 0)
			buf_putc(&b, ' ');
		buf_putc(&b, b32[i]);
	}
	return buf_failed(&b) ? NULL : buf_cstr(&b);
}

static void
account_flash(struct req *r)
{
	const char *done = req_query(r, "done");

	if (done == NULL)
		return;
	if (strcmp(done, "off") == 0)
		page_flash(r, "success", "Two-step sign-in is off.");
	else if (strcmp(done, "recovery") == 0)
		page_flash(r, "info", "You signed in with a recovery code. It "
		    "cannot be used again.");
}

/* The account page: status when MFA is on, setup (with the pending
 * secret) when it is off.  error / off_error: messages for the forms. */
static int
render_account(struct req *r, int status, const char *error,
    const char *off_error)
{
	char secret[MFA_SECRET_B32_SIZE];
	struct mfa_account_view v;
	struct mfa_status st;
	struct buf body;
	int rc;

	memset(&v, 0, sizeof(v));
	v.csrf = r->sess->csrf;
	v.must = r->sess->mfa_required;
	v.enrol_only = r->sess->stage == SESSION_MFA_ENROL;
	if ((rc = mfa_status(r->app->db, r->sess->user_id, &st)) != 0)
		return rc;
	if (st.active) {
		v.active = 1;
		v.enrolled_at = when(r, st.enrolled_at);
		v.codes_left = st.codes_left;
		v.codes_low = st.codes_left < 3;
		v.off_error = off_error;
	} else {
		rc = mfa_enrol_begin(r->app->db, r->app->keys,
		    r->sess->user_id, r->sess->practice_id, time_now_ms(),
		    secret);
		if (rc == ALC_EEXIST) /* turned on meanwhile elsewhere */
			return resp_redirect(r, 303, "/account/mfa");
		if (rc != 0)
			return rc;
		v.secret = grouped(r, secret);
		crypto_wipe(secret, sizeof(secret));
		v.qr_src = "/account/mfa/qr.svg";
		v.error = error;
	}
	account_flash(r);
	buf_init(&body, r->arena);
	tmpl_mfa_account(&body, &v);
	return page_send(r, status, "Two-step sign-in", &body);
}

int
page_mfa_account(struct req *r)
{
	return render_account(r, 200, NULL, NULL);
}

/* The QR code as SVG: a white square with a 4-module quiet zone and one
 * path of black horizontal runs.  Only numbers are written: nothing of the
 * encoded text reaches the markup. */
static int
qr_svg(struct buf *out, const char *text)
{
	const unsigned char *dark;
	QRcode *qr;
	int x, y, w, run;

	if ((qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1))
	    == NULL)
		return ALC_ENOMEM;
	w = qr->width;
	buf_printf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
	    "viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" "
	    "shape-rendering=\"crispEdges\"><rect width=\"%d\" height=\"%d\" "
	    "fill=\"#fff\"/><path fill=\"#000\" d=\"", w + 8, w + 8,
	    (w + 8) * 6, (w + 8) * 6, w + 8, w + 8);
	for (y = 0; y < w; y++)
		for (x = 0; x < w; x += run > 0 ? run : 1) {
			dark = qr->data + y * w + x;
			for (run = 0; x + run < w && (dark[run] & 1); run++)
				;
			if (run > 0)
				buf_printf(out, "M%d %dh%dv1h-%dz", x + 4,
				    y + 4, run, run);
		}
	buf_puts(out, "\"/></svg>\n");
	QRcode_free(qr);
	return buf_failed(out) ? ALC_ENOMEM : 0;
}

int
page_mfa_qr(struct req *r)
{
	char secret[MFA_SECRET_B32_SIZE];
	struct buf uri;
	int rc;

	if (r->sess->mfa_active)
		return ALC_ENOTFOUND;
	rc = mfa_enrol_begin(r->app->db, r->app->keys, r->sess->user_id,
	    r->sess->practice_id, time_now_ms(), secret);
	if (rc != 0)
		return rc == ALC_EEXIST ? ALC_ENOTFOUND : rc;
	buf_init(&uri, r->arena);
	mfa_otpauth_uri(&uri, secret, r->sess->user_email,
	    r->sess->practice_name);
	crypto_wipe(secret, sizeof(secret));
	if (buf_failed(&uri))
		return ALC_ENOMEM;
	buf_reset(&r->out);
	rc = qr_svg(&r->out, buf_cstr(&uri));
	crypto_wipe(uri.data, uri.len);
	r->status = 200;
	r->content_type = "image/svg+xml";
	r->cache = CACHE_NO_STORE;
	return rc;
}

/* The recovery codes page (shown once). */
static int
render_codes(struct req *r, mfa_codes codes, int just_enabled,
    const char *next)
{
	struct mfa_code_view *cv;
	struct mfa_codes_view v;
	struct buf body;
	size_t i;

	if ((cv = arena_alloc(r->arena, MFA_RECOVERY_COUNT * sizeof(*cv)))
	    == NULL)
		return ALC_ENOMEM;
	for (i = 0; i < MFA_RECOVERY_COUNT; i++)
		cv[i].code = arena_strdup(r->arena, codes[i]);
	crypto_wipe(codes, sizeof(mfa_codes));
	memset(&v, 0, sizeof(v));
	v.codes = cv;
	v.n_codes = MFA_RECOVERY_COUNT;
	v.just_enabled = just_enabled;
	v.continue_href = next;
	buf_init(&body, r->arena);
	tmpl_mfa_codes(&body, &v);
	return page_send(r, 200, just_enabled ? "Two-step sign-in is on" :
	    "New recovery codes", &body);
}

int
page_mfa_enable(struct req *r)
{
	const char *code = req_form(r, "code");
	struct audit_event who;
	struct mfa_check res;
	mfa_codes codes;
	int rc;

	if (r->sess->mfa_active)
		return resp_redirect(r, 303, "/account/mfa");
	if (code == NULL || code[0] == '\0' || strlen(code) > CODE_MAX)
		return render_account(r, 422, "Enter the 6-digit code your app "
		    "shows.", NULL);
	web_audit_who(r, &who);
	rc = mfa_enrol_confirm(r->app->db, r->app->keys, r->sess->user_id,
	    code, time_now_ms(), &who, &res, codes);
	if (rc == ALC_ENOTFOUND)
		return resp_redirect(r, 303, "/account/mfa");
	if (rc != 0)
		return rc;
	if (res.outcome == MFA_LOCKED)
		return render_account(r, 429, wait_message(r,
		    res.retry_after_s), NULL);
	if (res.outcome != MFA_OK)
		return render_account(r, 401, "That code does not match. Check "
		    "that the app has the key shown here and that the phone's "
		    "clock is right, then enter the code it shows now.", NULL);
	if ((rc = rotate_mfa(r)) != 0) {
		crypto_wipe(codes, sizeof(codes));
		return rc == ALC_EAUTH ? resp_redirect(r, 303, "/login") : rc;
	}
	log_info("mfa turned on", "rid=%s user=%lld", r->rid,
	    (long long)r->sess->user_id);
	return render_codes(r, codes, 1, "/home");
}

int
page_mfa_regenerate(struct req *r)
{
	struct audit_event who;
	mfa_codes codes;
	int rc;

	web_audit_who(r, &who);
	rc = mfa_recovery_regenerate(r->app->db, r->sess->user_id,
	    time_now_ms(), &who, codes);
	if (rc == ALC_ENOTFOUND)
		return resp_redirect(r, 303, "/account/mfa");
	if (rc != 0)
		return rc;
	log_info("mfa recovery codes replaced", "rid=%s user=%lld", r->rid,
	    (long long)r->sess->user_id);
	return render_codes(r, codes, 0, "/account/mfa");
}

int
page_mfa_disable(struct req *r)
{
	const char *code = req_form(r, "code");
	struct audit_event who;
	struct mfa_check res;
	int rc;

	if (!r->sess->mfa_active)
		return resp_redirect(r, 303, "/account/mfa");
	if (code == NULL || code[0] == '\0' || strlen(code) > CODE_MAX)
		return render_account(r, 422, NULL, "Enter the 6-digit code "
		    "your app shows.");
	web_audit_who(r, &who);
	rc = mfa_disable(r->app->db, r->app->keys, r->sess->user_id,
	    r->sess->practice_id, r->sess->roles, code, time_now_ms(), &who,
	    &res);
	if (rc == ALC_EPERM)
		return render_account(r, 403, NULL, "Your role in this "
		    "practice requires two-step sign-in, so it cannot be "
		    "turned off.");
	if (rc == ALC_ENOTFOUND)
		return resp_redirect(r, 303, "/account/mfa");
	if (rc != 0)
		return rc;
	if (res.outcome == MFA_LOCKED)
		return render_account(r, 429, NULL, wait_message(r,
		    res.retry_after_s));
	if (res.outcome != MFA_OK)
		return render_account(r, 401, NULL, "That code is not right, "
		    "or it was already used. Enter the code your app shows "
		    "now.");
	log_info("mfa turned off", "rid=%s user=%lld", r->rid,
	    (long long)r->sess->user_id);
	return resp_redirect(r, 303, "/account/mfa?done=off");
}
