// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests of the command-line redaction (session/redact.c): every rule
 * (flags, headers, URLs, NAME=value, words inside a shell command), the
 * lookalikes that stay in clear, the policy's extras and overrides, and
 * opaque or very long arguments.  Every expectation is also checked to be
 * a fixed point: redacting the output again changes nothing.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "session/redact.h"

#define R NONO_REDACTED
#define MAXARGS 8

struct argv_case {
	const char *in[MAXARGS]; /* NULL-terminated by the zeroes after */
	const char *want[MAXARGS];
};

static size_t count(const char *const *v)
{
	size_t n = 0;

	while (v[n])
		n++;
	return n;
}

/* @in redacts to @want, and @want to itself. */
static void expect(const struct nono_redact_policy *p, const char *const *in,
		   const char *const *want)
{
	size_t n = count(in);
	char **out = nono_redact_argv((char *const *)in, p), **again;

	assert_non_null(out);
	assert_int_equal(count(want), n);
	for (size_t i = 0; i < n; i++) {
		assert_non_null(out[i]);
		assert_string_equal(out[i], want[i]);
	}
	assert_null(out[n]);
	again = nono_redact_argv(out, p);
	assert_non_null(again);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(again[i], want[i]);
	assert_null(again[n]);
	free(again);
	free(out);
}

static void expect_cases(const struct nono_redact_policy *p,
			 const struct argv_case *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		expect(p, c[i].in, c[i].want);
}

/* One argument alone: in, want. */
static void expect_one(const struct nono_redact_policy *p,
		       const char *const (*c)[2], size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *in[] = {c[i][0], NULL}, *want[] = {c[i][1], NULL};

		expect(p, in, want);
	}
}

#define EXPECT_CASES(p, c) expect_cases(p, c, sizeof(c) / sizeof(c[0]))
#define EXPECT_ONE(p, c) expect_one(p, c, sizeof(c) / sizeof(c[0]))

static void test_null_and_empty(void **state)
{
	char *empty[] = {NULL};
	char **out;

	(void)state;
	out = nono_redact_argv(NULL, NULL);
	assert_non_null(out);
	assert_null(out[0]);
	free(out);
	out = nono_redact_argv(empty, NULL);
	assert_non_null(out);
	assert_null(out[0]);
	free(out);
}

static void test_flags(void **state)
{
	static const struct argv_case c[] = {
	    {{"gh", "--token", "abc"}, {"gh", "--token", R}},
	    {{"--token=abc", "x"}, {"--token=" R, "x"}},
	    {{"--TOKEN", "abc"}, {"--TOKEN", R}},
	    {{"--api_key", "k"}, {"--api_key", R}},
	    {{"--Api-Key=k"}, {"--Api-Key=" R}},
	    {{"--apikey", "k"}, {"--apikey", R}},
	    {{"--access-token", "a", "--auth-token", "b"},
	     {"--access-token", R, "--auth-token", R}},
	    {{"--api-token", "a", "--api-secret=b"},
	     {"--api-token", R, "--api-secret=" R}},
	    {{"--password", "hunter2"}, {"--password", R}},
	    {{"--passwd=x", "--pass", "y"}, {"--passwd=" R, "--pass", R}},
	    {{"--passphrase", "a b c"}, {"--passphrase", R}},
	    {{"--secret", "s", "--client-secret=s"},
	     {"--secret", R, "--client-secret=" R}},
	    {{"--private-key", "k", "--key", "k"},
	     {"--private-key", R, "--key", R}},
	    {{"--session-token", "t", "--bearer", "t"},
	     {"--session-token", R, "--bearer", R}},
	    {{"--credential", "c", "--credentials=c"},
	     {"--credential", R, "--credentials=" R}},
	    {{"--cookie", "a=b", "--auth", "u:p"},
	     {"--cookie", R, "--auth", R}},
	    {{"--authorization", "Bearer x"}, {"--authorization", R}},
	    /* the suffixes */
	    {{"--github-token", "ghp_x", "--aws_secret_access_key", "k"},
	     {"--github-token", R, "--aws_secret_access_key", R}},
	    {{"--db-password=p", "--vault-secret", "s"},
	     {"--db-password=" R, "--vault-secret", R}},
	    /* -pass names (attacker review: --db-pass leaked) */
	    {{"--db-pass", "Pw6", "--rpc-pass=Pw"},
	     {"--db-pass", R, "--rpc-pass=" R}},
	    {{"--oauth2-bearer", "t", "--gpg-passphrase=p"},
	     {"--oauth2-bearer", R, "--gpg-passphrase=" R}},
	    /* single-dash long names (Go, openssl), any number of dashes */
	    {{"openssl", "-pass", "pass:x", "-token=y"},
	     {"openssl", "-pass", R, "-token=" R}},
	    {{"---token", "t"}, {"---token", R}},
	    /* the value is redacted whatever it looks like */
	    {{"--token", "--token", "x"}, {"--token", R, R}},
	    {{"--password", "-v"}, {"--password", R}},
	    /* empty values hide nothing */
	    {{"--token=", "--token", ""}, {"--token=", "--token", ""}},
	    {{"--token=https://u:p@h/?token=t"}, {"--token=" R}},
	};

	(void)state;
	EXPECT_CASES(NULL, c);
}

/* Names that look like secret flags but take paths, counts, booleans. */
static void test_flag_lookalikes(void **state)
{
	static const struct argv_case c[] = {
	    {{"--tokenizer", "bpe"}, {"--tokenizer", "bpe"}},
	    {{"--tokens", "5", "--max-tokens=9"},
	     {"--tokens", "5", "--max-tokens=9"}},
	    {{"--key-file", "/k.pem", "--password-file=/p"},
	     {"--key-file", "/k.pem", "--password-file=/p"}},
	    {{"--token-file", "/t", "--keyboard", "us"},
	     {"--token-file", "/t", "--keyboard", "us"}},
	    {{"--monkey", "x", "--passthrough", "y"},
	     {"--monkey", "x", "--passthrough", "y"}},
	    {{"--no-password", "file"}, {"--no-password", "file"}},
	    /* single-dash letters: -p is a port as often as a password */
	    {{"ssh", "-p", "2222", "-k", "x"},
	     {"ssh", "-p", "2222", "-k", "x"}},
	    {{"-p=x", "-k=y"}, {"-p=x", "-k=y"}},
	    {{"token", "abc", "password"}, {"token", "abc", "password"}},
	    {{"--token-x=1", "--x-tokens=2"}, {"--token-x=1", "--x-tokens=2"}},
	    {{"curl", "--user", "alice:pw"}, {"curl", "--user", "alice:pw"}},
	};

	(void)state;
	EXPECT_CASES(NULL, c);
}

/* A secret flag last: nothing follows to redact, nothing read past. */
static void test_flag_at_end(void **state)
{
	static const struct argv_case c[] = {
	    {{"--token"}, {"--token"}},
	    {{"gh", "--token"}, {"gh", "--token"}},
	    {{"--password", "--token"}, {"--password", R}},
	    {{"-"}, {"-"}},
	    {{"--"}, {"--"}},
	    {{"--="}, {"--="}},
	    {{"-="}, {"-="}},
	};

	(void)state;
	EXPECT_CASES(NULL, c);
}

/* "--" ends nono's options, not the rules: the inner command's count. */
static void test_double_dash(void **state)
{
	static const struct argv_case c[] = {
	    {{"nono", "run", "--", "gh", "--token", "t"},
	     {"nono", "run", "--", "gh", "--token", R}},
	    {{"--token", "a", "--", "x", "--token=b"},
	     {"--token", R, "--", "x", "--token=" R}},
	    {{"--", "--", "GITHUB_TOKEN=x"}, {"--", "--", "GITHUB_TOKEN=" R}},
	    /* ... PASS names (attacker review: PGPASS leaked) */
	    {{"PGPASS=Pw7", "DB_PASS=x"}, {"PGPASS=" R, "DB_PASS=" R}},
	    /* a flag's value, even "--" */
	    {{"--token", "--", "cmd"}, {"--token", R, "cmd"}},
	};

	(void)state;
	EXPECT_CASES(NULL, c);
}

static void test_headers(void **state)
{
	static const char *const one[][2] = {
	    {"Authorization: Bearer xyz", "Authorization: " R},
	    {"authorization:Bearer xyz", "authorization:" R},
	    {"AUTHORIZATION :  Basic dTpw", "AUTHORIZATION :  " R},
	    {"Proxy-Authorization: Basic x", "Proxy-Authorization: " R},
	    {"Cookie: a=b; c=d", "Cookie: " R},
	    {"Set-Cookie: id=1; Path=/", "Set-Cookie: " R},
	    {"X-Api-Key: k", "X-Api-Key: " R},
	    {"api-key: k", "api-key: " R},
	    {"x-api-key: sk-ant-1", "x-api-key: " R},
	    {"X-Auth-Token: t", "X-Auth-Token: " R},
	    {"X-Access-Token: t", "X-Access-Token: " R},
	    {"PRIVATE-TOKEN: glpat-x", "PRIVATE-TOKEN: " R},
	    {"X-Goog-Api-Key: k", "X-Goog-Api-Key: " R},
	    {"X-Amz-Security-Token: t", "X-Amz-Security-Token: " R},
	    {"X-Vault-Token: t", "X-Vault-Token: " R},
	    /* the suffixes */
	    {"X-Custom-Token: t", "X-Custom-Token: " R},
	    {"X-My-Api-Key: k", "X-My-Api-Key: " R},
	    {"X-Webhook-Secret: s", "X-Webhook-Secret: " R},
	    /* not secrets */
	    {"OpenAI-Organization: org-1", "OpenAI-Organization: org-1"},
	    {"Content-Type: application/json",
	     "Content-Type: application/json"},
	    {"Accept: */*", "Accept: */*"},
	    {"X-Tokens: 5", "X-Tokens: 5"},
	    /* nothing to hide */
	    {"Authorization:", "Authorization:"},
	    {"Authorization:  ", "Authorization:  "},
	    /* the forms of a flag */
	    {"--header=Authorization: Bearer x", "--header=Authorization: " R},
	    {"-HAuthorization: Bearer x", "-HAuthorization: " R},
	    {"-H=Cookie: x", "-H=Cookie: " R},
	    {"-HContent-Type: x", "-HContent-Type: x"},
	};
	static const struct argv_case c[] = {
	    {{"curl", "-H", "Authorization: Bearer x", "https://h/"},
	     {"curl", "-H", "Authorization: " R, "https://h/"}},
	    {{"--header", "Cookie: s=1"}, {"--header", "Cookie: " R}},
	};

	(void)state;
	EXPECT_ONE(NULL, one);
	EXPECT_CASES(NULL, c);
}

static void test_urls(void **state)
{
	static const char *const one[][2] = {
	    {"https://user:pass@host/p", "https://user:" R "@host/p"},
	    {"https://ghp_abc@github.com/o/r.git",
	     "https://" R "@github.com/o/r.git"},
	    {"https://u:@h/", "https://u:@h/"},
	    {"https://@h/", "https://@h/"},
	    {"ftp://a:b@c", "ftp://a:" R "@c"},
	    /* the last '@' of the authority ends the user information */
	    {"https://a@b:c@h/", "https://a@b:" R "@h/"},
	    {"https://a@b@h/", "https://" R "@h/"},
	    /* an '@' after the authority is no user information */
	    {"https://h/@user", "https://h/@user"},
	    {"https://h/p?x=@y", "https://h/p?x=@y"},
	    {"mailto:a@b.c", "mailto:a@b.c"},
	    {"git@github.com:o/r.git", "git@github.com:o/r.git"},
	    /* query parameters */
	    {"https://h/p?access_token=abc&x=1",
	     "https://h/p?access_token=" R "&x=1"},
	    {"https://h/?token=a&key=b;secret=c",
	     "https://h/?token=" R "&key=" R ";secret=" R},
	    {"https://h/?Access_Token=a", "https://h/?Access_Token=" R},
	    {"https://h/?refresh_token=a&id_token=b",
	     "https://h/?refresh_token=" R "&id_token=" R},
	    {"https://h/?auth=a&api_key=b&apikey=c",
	     "https://h/?auth=" R "&api_key=" R "&apikey=" R},
	    {"https://h/?client_secret=a&password=b",
	     "https://h/?client_secret=" R "&password=" R},
	    {"https://h/cb?code=a&state=b", "https://h/cb?code=" R "&state=" R},
	    {"https://h/?private_token=a", "https://h/?private_token=" R},
	    {"https://h/?token=&x=1", "https://h/?token=&x=1"},
	    {"https://h/?token", "https://h/?token"},
	    {"https://h/?tokens=1&mytoken=2", "https://h/?tokens=1&mytoken=2"},
	    {"https://h/?page_token=1;GITHUB_TOKEN=2",
	     "https://h/?page_token=1;GITHUB_TOKEN=2"},
	    {"https://h/?sig=a&signature=b", "https://h/?sig=a&signature=b"},
	    {"https://h/?a?token=x", "https://h/?a?token=" R},
	    /* no parameters in the authority: ';' and '=' are its bytes */
	    {"https://a;key=b?c;@", "https://a;key=b?c;@"},
	    {"https://h;token=a@x/", "https://" R "@x/"},
	    /* no query, no path */
	    {"https://example.com", "https://example.com"},
	    {"https://example.com/a/b", "https://example.com/a/b"},
	    {"https://h:8443", "https://h:8443"},
	    /* fragments: OAuth's implicit flow, hash routes */
	    {"https://h/cb#access_token=a&state=b",
	     "https://h/cb#access_token=" R "&state=" R},
	    {"https://h/#/cb?code=a", "https://h/#/cb?code=" R},
	    {"https://h/?token=a#frag", "https://h/?token=" R "#frag"},
	    {"https://h/p#section-2", "https://h/p#section-2"},
	    /* IPv6 hosts */
	    {"http://[::1]:8080/p?token=a", "http://[::1]:8080/p?token=" R},
	    {"http://u:p@[fe80::1%25eth0]:80/",
	     "http://u:" R "@[fe80::1%25eth0]:80/"},
	    {"http://[::1]/", "http://[::1]/"},
	    /* a URL inside a parameter is read too */
	    {"https://a/login?next=https://u:p@b/?token=t",
	     "https://a/login?next=https://u:" R "@b/?token=" R},
	    /* several, inside text; the URL ends at a blank or quote */
	    {"see https://u:p@a and http://b?key=k done",
	     "see https://u:" R "@a and http://b?key=" R " done"},
	    {"'https://h/?token=a' x?token=b",
	     "'https://h/?token=" R "' x?token=b"},
	    /* a parameter outside a URL is no URL's */
	    {"/api?token=a", "/api?token=a"},
	    {"://u:p@h", "://u:p@h"},
	    /* a non-secret flag's value */
	    {"--url=https://u:p@h/", "--url=https://u:" R "@h/"},
	};
	static const struct argv_case c[] = {
	    {{"git", "clone", "https://x-access-token:ghs_1@github.com/o/r"},
	     {"git", "clone", "https://x-access-token:" R "@github.com/o/r"}},
	};

	(void)state;
	EXPECT_ONE(NULL, one);
	EXPECT_CASES(NULL, c);
}

static void test_env(void **state)
{
	static const char *const one[][2] = {
	    {"GITHUB_TOKEN=ghp_x", "GITHUB_TOKEN=" R},
	    {"github_token=x", "github_token=" R},
	    {"AWS_SECRET_ACCESS_KEY=x", "AWS_SECRET_ACCESS_KEY=" R},
	    {"DB_PASSWORD=x", "DB_PASSWORD=" R},
	    {"MYSQL_PASSWD=x", "MYSQL_PASSWD=" R},
	    {"OPENAI_API_KEY=sk-1", "OPENAI_API_KEY=" R},
	    {"X_APIKEY=1", "X_APIKEY=" R},
	    {"SSH_PRIVATE_KEY=x", "SSH_PRIVATE_KEY=" R},
	    {"AZURE_CREDENTIALS=x", "AZURE_CREDENTIALS=" R},
	    {"STRIPE_KEY=x", "STRIPE_KEY=" R},
	    {"BASIC_AUTH=u:p", "BASIC_AUTH=" R},
	    {"_TOKEN=x", "_TOKEN=" R},
	    {"TOKEN=a=b c", "TOKEN=" R},
	    /* over-redacted, by design */
	    {"TOKENIZERS_PARALLELISM=false", "TOKENIZERS_PARALLELISM=" R},
	    /* not secrets */
	    {"PATH=/usr/bin", "PATH=/usr/bin"},
	    {"KEYBOARD=us", "KEYBOARD=us"},
	    {"MONKEY=1", "MONKEY=1"},
	    {"AUTHOR=me", "AUTHOR=me"},
	    {"OAUTH=1", "OAUTH=1"},
	    {"1TOKEN=x", "1TOKEN=x"},
	    {"MY-TOKEN=x", "MY-TOKEN=x"},
	    {"TOKEN", "TOKEN"},
	    {"TOKEN=", "TOKEN="},
	    /* as a flag's value */
	    {"--env=GITHUB_TOKEN=x", "--env=GITHUB_TOKEN=" R},
	    {"--build-arg=NPM_TOKEN=x", "--build-arg=NPM_TOKEN=" R},
	    {"-e=NPM_TOKEN=x", "-e=NPM_TOKEN=" R},
	    {"--a=--b=--token=x", "--a=--b=--token=" R},
	};
	static const struct argv_case c[] = {
	    {{"docker", "run", "-e", "GITHUB_TOKEN=x", "img"},
	     {"docker", "run", "-e", "GITHUB_TOKEN=" R, "img"}},
	    {{"env", "A=1", "API_KEY=2", "cmd"},
	     {"env", "A=1", "API_KEY=" R, "cmd"}},
	};

	(void)state;
	EXPECT_ONE(NULL, one);
	EXPECT_CASES(NULL, c);
}

/* One argument holding a shell command (sh -c, bash -lc). */
static void test_embedded(void **state)
{
	static const char *const one[][2] = {
	    {"curl -H 'Authorization: Bearer x' https://h/",
	     "curl -H 'Authorization: " R "' https://h/"},
	    {"curl -H \"X-Api-Key: k\" -H 'Accept: */*' u",
	     "curl -H \"X-Api-Key: " R "\" -H 'Accept: */*' u"},
	    {"curl -H 'Authorization: Bearer x", "curl -H 'Authorization: " R},
	    {"cd /x && NPM_TOKEN=abc npm publish",
	     "cd /x && NPM_TOKEN=" R " npm publish"},
	    {"A=1;GITHUB_TOKEN=x;b", "A=1;GITHUB_TOKEN=" R ";b"},
	    {"gh --token=abc repo list", "gh --token=" R " repo list"},
	    {"x --password='a b c' y", "x --password='" R "' y"},
	    {"x \"SECRET=a b\" y", "x \"SECRET=" R "\" y"},
	    {"x --api-key=\"k", "x --api-key=\"" R},
	    {"(TOKEN=x)", "(TOKEN=" R ")"},
	    /* unquoted, "Name: value" inside text is prose */
	    {"git commit -m fix cookie: expiry",
	     "git commit -m fix cookie: expiry"},
	    /* no '=' ':' '@' '?': a bare flag inside one argument is not read
	     */
	    {"gh --token abc", "gh --token abc"},
	    /* not a word start */
	    {"a.TOKEN=1 x/GITHUB_TOKEN=2", "a.TOKEN=1 x/GITHUB_TOKEN=2"},
	    {"a-TOKEN=1 b--token=2", "a-TOKEN=1 b--token=2"},
	};

	(void)state;
	EXPECT_ONE(NULL, one);
}

static void test_extras(void **state)
{
	char *flags[] = {"--private-thing", "deploy_code", NULL};
	char *headers[] = {"X-Hidden", "X-Team"};
	char *keys[] = {"sig", "SessionId"};
	struct nono_redact_policy p = {
	    .extra_flags = flags,
	    .n_extra_flags = 3, /* a NULL entry is skipped */
	    .extra_headers = headers,
	    .n_extra_headers = 2,
	    .extra_query_keys = keys,
	    .n_extra_query_keys = 2,
	};
	static const struct argv_case c[] = {
	    {{"--private-thing", "x", "--deploy-code=y"},
	     {"--private-thing", R, "--deploy-code=" R}},
	    {{"x-hidden: v", "X-TEAM: t", "x-other: o"},
	     {"x-hidden: " R, "X-TEAM: " R, "x-other: o"}},
	    {{"https://h/?sig=a&sessionid=b&signature=c"},
	     {"https://h/?sig=" R "&sessionid=" R "&signature=c"}},
	    /* the defaults still hold */
	    {{"--token", "t", "https://h/?state=s"},
	     {"--token", R, "https://h/?state=" R}},
	};
	static const struct argv_case defaults[] = {
	    {{"--private-thing", "x", "--deploy-code=y"},
	     {"--private-thing", "x", "--deploy-code=y"}},
	    {{"x-hidden: v", "https://h/?sig=a"},
	     {"x-hidden: v", "https://h/?sig=a"}},
	};

	(void)state;
	EXPECT_CASES(&p, c);
	EXPECT_CASES(NULL, defaults);
}

static void test_override(void **state)
{
	char *allow[] = {"state", "Authorization",          "--public-key",
			 "token", "TOKENIZERS_PARALLELISM", "sig"};
	char *keys[] = {"sig"};
	struct nono_redact_policy p = {
	    .allow_unredacted = allow,
	    .n_allow_unredacted = 6,
	    .extra_query_keys = keys,
	    .n_extra_query_keys = 1,
	};
	static const struct argv_case in_clear[] = {
	    {{"https://h/cb?code=c&state=s&sig=g"},
	     {"https://h/cb?code=" R "&state=s&sig=" R}},
	    {{"authorization: Bearer x", "cookie: c"},
	     {"authorization: Bearer x", "cookie: " R}},
	    /* exactly the name allowed: --key and --ssh-key stay secret */
	    {{"--public-key", "k", "--key", "k", "--ssh-key=k"},
	     {"--public-key", "k", "--key", R, "--ssh-key=" R}},
	    {{"--token", "t", "https://h/?token=t", "--access-token=t"},
	     {"--token", "t", "https://h/?token=t", "--access-token=" R}},
	    {{"TOKENIZERS_PARALLELISM=false", "HF_TOKEN=x"},
	     {"TOKENIZERS_PARALLELISM=false", "HF_TOKEN=" R}},
	};
	static const struct argv_case ignored[] = {
	    {{"https://h/cb?state=s", "authorization: x", "--public-key", "k"},
	     {"https://h/cb?state=" R, "authorization: " R, "--public-key", R}},
	    {{"--token", "t", "TOKENIZERS_PARALLELISM=false"},
	     {"--token", R, "TOKENIZERS_PARALLELISM=" R}},
	};

	(void)state;
	/* Without unsafe_overrides the list is read but not honoured. */
	EXPECT_CASES(&p, ignored);
	p.unsafe_overrides = true;
	EXPECT_CASES(&p, in_clear);
}

static void test_is_default(void **state)
{
	char *one[] = {"x"};
	struct nono_redact_policy p = {0};

	(void)state;
	assert_true(nono_redact_is_default(NULL));
	assert_true(nono_redact_is_default(&p));
	p.unsafe_overrides = true;
	assert_true(nono_redact_is_default(&p)); /* nothing to override */
	p.allow_unredacted = one;
	p.n_allow_unredacted = 1;
	assert_false(nono_redact_is_default(&p));
	p.unsafe_overrides = false;
	assert_true(nono_redact_is_default(&p)); /* not honoured */
	p.extra_flags = one;
	p.n_extra_flags = 1;
	assert_false(nono_redact_is_default(&p));
	p = (struct nono_redact_policy){.extra_headers = one,
					.n_extra_headers = 1};
	assert_false(nono_redact_is_default(&p));
	p = (struct nono_redact_policy){.extra_query_keys = one,
					.n_extra_query_keys = 1};
	assert_false(nono_redact_is_default(&p));
}

/* Bytes, not text: invalid UTF-8 and escapes pass through or go. */
static void test_opaque_bytes(void **state)
{
	static const char *const one[][2] = {
	    {"\xff\xfe\xc3\x28 \x1b]0;t\x07 \x1b[31m",
	     "\xff\xfe\xc3\x28 \x1b]0;t\x07 \x1b[31m"},
	    {"--token=\xff\x1b[2J", "--token=" R},
	    {"Authorization: \xc3\x28\x80", "Authorization: " R},
	    {"https://u:\xff\xfe@h\x80/?token=\xc3",
	     "https://u:" R "@h\x80/?token=" R},
	    /* a name starts at a boundary: a stray byte before it is not one */
	    {"\x80TOKEN=x \xffTOKEN=y TOKEN=z",
	     "\x80TOKEN=x \xffTOKEN=y TOKEN=" R},
	    {"--t\xe9ken=x", "--t\xe9ken=x"},
	    {"TOK\xc3\x89N=x", "TOK\xc3\x89N=x"},
	};
	static const struct argv_case c[] = {
	    {{"--token", "\x01\x02\xff", "\x1b"}, {"--token", R, "\x1b"}},
	};

	(void)state;
	EXPECT_ONE(NULL, one);
	EXPECT_CASES(NULL, c);
}

/* A @n-byte string: @head, then @unit repeated, then @tail. */
static char *make(const char *head, const char *unit, size_t n,
		  const char *tail)
{
	size_t h = strlen(head), u = strlen(unit), t = strlen(tail), i;
	char *s = malloc(n + 1);

	assert_non_null(s);
	assert_true(n >= h + t);
	memcpy(s, head, h);
	for (i = h; i < n - t; i++)
		s[i] = unit[(i - h) % u];
	memcpy(s + n - t, tail, t);
	s[n] = '\0';
	return s;
}

/*
 * Megabyte arguments, shaped to defeat a rule that rescans (each of them
 * quadratic would take hours): they come back redacted or whole.
 */
static void test_long(void **state)
{
	static const struct {
		const char *head, *unit, *tail;
		bool same; /* else: a head of in, then R */
	} shapes[] = {
	    {"--token=", "a", "", false},
	    {"Authorization: ", "x ", "", false},
	    {"GITHUB_TOKEN=", "\xff", "", false},
	    {"https://h/?token=", "b", "", false},
	    {"", "a", "", true},
	    {"", "a://", "", true},
	    {"https://h/?", "a&", "", true},
	    {"https://h/?", "a", "", true},
	    {"https://", "a", "", true},
	    {"https://", "a:", "", true},
	    {"", " A", "", true},
	    {"", " --a", "", true},
	    {"", "'x-", "", true},
	    {"", "'", "", true},
	    {"", "A", "=1", true},
	    {"--", "a", "=1", true},
	    {"", "-", "", true},
	    {"", "a", ": x", true},
	    {"", "--a=", "", true},
	    {"", "TOKE", "", true},
	};
	const size_t n = 1 << 20;

	(void)state;
	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		char *s =
		    make(shapes[i].head, shapes[i].unit, n, shapes[i].tail);
		char *argv[] = {s, NULL}, **out = nono_redact_argv(argv, NULL);

		assert_non_null(out);
		if (shapes[i].same) {
			assert_string_equal(out[0], s);
		} else {
			size_t h = strlen(shapes[i].head);

			assert_memory_equal(out[0], s, h);
			assert_string_equal(out[0] + h, R);
		}
		assert_null(out[1]);
		free(out);
		free(s);
	}
}

/* Many arguments; one block, the strings after the pointers. */
static void test_one_block(void **state)
{
	enum { N = 5000 };
	char **argv = calloc(N + 1, sizeof(char *)), **out;

	(void)state;
	assert_non_null(argv);
	for (size_t i = 0; i < N; i++)
		argv[i] = i % 2 ? "--token" : "v";
	out = nono_redact_argv(argv, NULL);
	assert_non_null(out);
	for (size_t i = 0; i < N; i++) {
		assert_true(out[i] > (char *)(out + N));
		assert_string_equal(out[i], i % 2   ? "--token"
					    : i > 0 ? R
						    : "v");
	}
	assert_null(out[N]);
	free(out); /* LeakSanitizer: nothing else was allocated */
	free(argv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_null_and_empty),
	    cmocka_unit_test(test_flags),
	    cmocka_unit_test(test_flag_lookalikes),
	    cmocka_unit_test(test_flag_at_end),
	    cmocka_unit_test(test_double_dash),
	    cmocka_unit_test(test_headers),
	    cmocka_unit_test(test_urls),
	    cmocka_unit_test(test_env),
	    cmocka_unit_test(test_embedded),
	    cmocka_unit_test(test_extras),
	    cmocka_unit_test(test_override),
	    cmocka_unit_test(test_is_default),
	    cmocka_unit_test(test_opaque_bytes),
	    cmocka_unit_test(test_long),
	    cmocka_unit_test(test_one_block),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
