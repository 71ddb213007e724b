/*
 * clock.c - dates and times: UTC calendar dates and RFC 3339 times as
 * the records and the ledger write them, and a monotonic clock.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store.h"

/* s is "YYYY-MM-DD", a day of the calendar: its numbers. */
static int
real_day(const char *s, int *y, int *m, int *d)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	int i;

	if (s == NULL || strlen(s) != HTQ_DATE_LEN || s[4] != '-' ||
	    s[7] != '-')
		return 0;
	for (i = 0; i < HTQ_DATE_LEN; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return 0;
	*y = atoi(s);
	*m = atoi(s + 5);
	*d = atoi(s + 8);
	if (*m < 1 || *m > 12 || *d < 1 || *d > mdays[*m - 1])
		return 0;
	return !(*m == 2 && *d == 29 && !((*y % 4 == 0 && *y % 100 != 0) ||
	    *y % 400 == 0));
}

int
htq_date_valid(const char *s)
{
	int y, m, d;

	return real_day(s, &y, &m, &d) && y >= 2000 && y <= 2999;
}

void
htq_today(char *buf)
{
	struct tm tm;
	time_t t = time(NULL);

	gmtime_r(&t, &tm);
	strftime(buf, HTQ_DATE_LEN + 1, "%Y-%m-%d", &tm);
}

void
htq_date_in(int days, char buf[HTQ_DATE_LEN + 1])
{
	struct tm tm;
	time_t t = time(NULL) + (time_t)days * 86400;

	gmtime_r(&t, &tm);
	strftime(buf, HTQ_DATE_LEN + 1, "%Y-%m-%d", &tm);
}

uint64_t
htq_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void
htq_now_iso(char buf[21])
{
	struct tm tm;
	time_t t = time(NULL);

	gmtime_r(&t, &tm);
	strftime(buf, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* A signed day in words (store.h); web/js/ledger.js dayText is the same
 * rule. */
static const char *const month_name[] = { "January", "February", "March",
    "April", "May", "June", "July", "August", "September", "October",
    "November", "December" };

const char *
htq_day_text(const char *iso, char buf[HTQ_DAY_TEXT])
{
	int y, m, d;

	if (!real_day(iso, &y, &m, &d))
		return iso;
	snprintf(buf, HTQ_DAY_TEXT, "%d %s %04d", d, month_name[m - 1], y);
	return buf;
}
