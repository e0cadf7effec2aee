/*
 * datetime.c - read ISO 8601 date-times with their zone (datetime.h).
 */
#include <ctype.h>
#include <string.h>
#include <time.h>

#include "datetime.h"
#include "util.h"

/* n digits at s as a number, or -1. */
static int
sg_dt_digits(const char *s, int n)
{
    int v = 0, i;

    for (i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i])) {
            return -1;
        }
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* "Z", "+hh:mm" or "-hh:mm" at s into seconds east of UTC. */
static int
sg_dt_zone(const char *s, long *offset)
{
    int h, m;

    if (strcmp(s, "Z") == 0) {
        *offset = 0;
        return SG_DATETIME_OK;
    }
    if (*s == '\0') {
        return SG_DATETIME_NO_ZONE;
    }
    if ((s[0] != '+' && s[0] != '-') || strlen(s) != 6 || s[3] != ':') {
        return SG_DATETIME_BAD;
    }
    h = sg_dt_digits(s + 1, 2);
    m = sg_dt_digits(s + 4, 2);
    if (h < 0 || m < 0 || h > 14 || m > 59 || (h == 14 && m != 0)) {
        return SG_DATETIME_BAD;
    }
    *offset = (s[0] == '-' ? -1 : 1) * (h * 3600L + m * 60L);
    return SG_DATETIME_OK;
}

int
sg_parse_datetime(const char *s, long long *epoch_ms)
{
    char day[11];
    long long epoch;
    long offset = 0;
    int hh, mm, ss, ms = 0, digits = 0, rc;

    if (s == NULL || strlen(s) < 19 || s[10] != 'T' || s[13] != ':' ||
        s[16] != ':') {
        return SG_DATETIME_BAD;
    }
    memcpy(day, s, 10);
    day[10] = '\0';
    hh = sg_dt_digits(s + 11, 2);
    mm = sg_dt_digits(s + 14, 2);
    ss = sg_dt_digits(s + 17, 2);
    if (sg_parse_date(day, &epoch) != 0 || hh < 0 || hh > 23 || mm < 0 ||
        mm > 59 || ss < 0 || ss > 59) {
        return SG_DATETIME_BAD;
    }
    s += 19;
    if (*s == '.') {
        for (s++; isdigit((unsigned char)*s); s++, digits++) {
            if (digits < 3) {
                ms = ms * 10 + (*s - '0');
            }
        }
        if (digits == 0) {
            return SG_DATETIME_BAD;
        }
        for (; digits < 3; digits++) {
            ms *= 10;
        }
    }
    rc = sg_dt_zone(s, &offset);
    if (rc != SG_DATETIME_OK) {
        return rc;
    }
    epoch += hh * 3600LL + mm * 60LL + ss - offset;
    *epoch_ms = epoch * 1000 + ms;
    return SG_DATETIME_OK;
}
