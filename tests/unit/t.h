/*
 * t.h - the unit test harness: one binary per test_*.c file.
 *
 *	static void test_thing(void) { T_ASSERT(x == 1); T_STREQ(s, "a"); }
 *	int main(void) { T_RUN(test_thing); return T_DONE(); }
 *
 * A failed assertion reports file:line and fails the current test, which
 * stops there.  T_DONE() prints "# unit <file>: N passed, M failed" for
 * tests/run.sh and returns the exit status.
 *
 * T_ONLY=test_a,test_b runs only the tests named (the others are neither
 * run nor counted): each test must pass alone, whatever ran before it.
 */
#ifndef HTQ_T_H
#define HTQ_T_H
#include <setjmp.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

static int t_pass, t_fail;
static jmp_buf t_jmp;
static const char *t_name;

#define T_FAILF(...) do { \
	fprintf(stderr, "FAIL %s (%s:%d): ", t_name, __FILE__, __LINE__); \
	fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); \
	longjmp(t_jmp, 1); } while (0)
#define T_ASSERT(c) do { if (!(c)) T_FAILF("%s", #c); } while (0)
#define T_EQ(a, b) do { long long t_a_ = (long long)(a), t_b_ = (long long)(b); \
	if (t_a_ != t_b_) T_FAILF("%s == %s: %lld != %lld", #a, #b, t_a_, t_b_); } while (0)
#define T_STREQ(a, b) do { const char *t_a_ = (a), *t_b_ = (b); \
	if (t_a_ == NULL || t_b_ == NULL || strcmp(t_a_, t_b_) != 0) \
		T_FAILF("%s == %s: \"%s\" != \"%s\"", #a, #b, \
		    t_a_ ? t_a_ : "(null)", t_b_ ? t_b_ : "(null)"); } while (0)
#define T_MEMEQ(a, b, n) do { if (memcmp((a), (b), (n)) != 0) \
	T_FAILF("%s == %s (%zu bytes)", #a, #b, (size_t)(n)); } while (0)

/* 1 if the test is selected by T_ONLY (unset or empty: every test). */
static int
t_selected(const char *name)
{
	const char *only = getenv("T_ONLY"), *p;
	size_t n = strlen(name);

	if (only == NULL || *only == '\0')
		return 1;
	for (p = only; (p = strstr(p, name)) != NULL; p += n)
		if ((p == only || p[-1] == ',') && (p[n] == '\0' || p[n] == ','))
			return 1;
	return 0;
}

#define T_RUN(fn) T_RUN_WITH((void)0, fn)
/* The same after fixture() (a statement), which runs inside the test:
 * a fixture that fails fails the test.  Not counted on its own. */
#define T_RUN_WITH(fixture, fn) do { t_name = #fn; \
	if (!t_selected(#fn)) break; \
	if (setjmp(t_jmp) == 0) { fixture; fn(); t_pass++; \
		if (getenv("T_VERBOSE")) fprintf(stderr, "ok   %s\n", #fn); } \
	else t_fail++; } while (0)
#define T_DONE() (printf("# unit %s: %d passed, %d failed\n", __FILE__, \
	t_pass, t_fail), t_fail ? 1 : 0)

#endif /* HTQ_T_H */
