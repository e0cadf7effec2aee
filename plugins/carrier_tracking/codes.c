/*
 * codes.c - the partners' status, reason and time-zone codes and the
 * canonical words they map to, as tables.
 *
 * A code that is not in a table is not guessed: the mapper reports it
 * with its segment and element, and the message is rejected until the
 * table (or the partner) is fixed.  Adding a code is one line here.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carrier_tracking.h"

struct ctrk_code {
    const char *code;
    const char *word;
    int damaged;            /* the status itself says the goods are hurt */
};

/* X12 element 1650, Shipment Status Code (AT7-01). */
static const struct ctrk_code ctrk_x12_statuses[] = {
    {"X3", "at_pickup", 0},         /* arrived at pick-up location */
    {"CP", "picked_up", 0},         /* completed loading at pick-up */
    {"AF", "picked_up", 0},         /* departed pick-up with shipment */
    {"X6", "in_transit", 0},        /* en route to delivery location */
    {"P1", "in_transit", 0},        /* departed terminal location */
    {"I1", "in_transit", 0},        /* in-gate */
    {"OA", "in_transit", 0},        /* out-gate */
    {"AJ", "out_for_delivery", 0},  /* tendered for delivery */
    {"X1", "arrived", 0},           /* arrived at delivery location */
    {"D1", "delivered", 0},         /* completed unloading at delivery */
    {"SD", "delayed", 0},           /* shipment delayed */
    {"A9", "exception", 1},         /* shipment damaged */
    {"A7", "exception", 0},         /* refused by consignee */
    {"AP", "exception", 0},         /* delivery not completed */
    {"A3", "exception", 0},         /* returned to shipper */
    {"CA", "exception", 0},         /* shipment cancelled */
    {"AG", "estimated", 0},         /* estimated delivery */
    {"X2", "estimated", 0},         /* estimated arrival at consignee */
    {NULL, NULL, 0}
};

/* X12 element 1651, Shipment Status or Appointment Reason Code. */
static const struct ctrk_code ctrk_x12_reasons[] = {
    {"NS", "normal", 0},
    {"A1", "missed_delivery", 0},
    {"A2", "incorrect_address", 0},
    {"AG", "consignee_related", 0},
    {"AI", "mechanical_breakdown", 0},
    {"AJ", "carrier_related", 0},
    {"AM", "shipper_related", 0},
    {"AO", "weather", 0},
    {"AX", "insufficient_time", 0},
    {"B1", "consignee_closed", 0},
    {"BG", "other", 0},
    {"BS", "refused_by_customer", 0},
    {NULL, NULL, 0}
};

/*
 * EDIFACT STS status event codes (C555 4405, 9011 in older directories)
 * as the EANCOM IFTSTA subset lists them.
 */
static const struct ctrk_code ctrk_edifact_statuses[] = {
    {"13", "picked_up", 0},         /* collected */
    {"31", "in_transit", 0},        /* en route */
    {"1", "arrived", 0},            /* arrived */
    {"21", "delivered", 0},         /* delivered */
    {"49", "exception", 0},         /* lost */
    {"54", "exception", 0},         /* not collected */
    {NULL, NULL, 0}
};

/* EDIFACT STS status reason codes (C556 4405 / 9013), EANCOM subset. */
static const struct ctrk_code ctrk_edifact_reasons[] = {
    {"17", "customs_refusal", 0},
    {"210", "incorrect_address", 0},
    {"228", "new_delivery_arrangements", 0},
    {"231", "payment_not_received", 0},
    {"237", "special_service_required", 0},
    {NULL, NULL, 0}
};

static const char *const ctrk_statuses[] = {
    "at_pickup", "picked_up", "in_transit", "out_for_delivery", "arrived",
    "delivered", "delayed", "exception", "estimated", NULL
};

static const struct ctrk_code *
ctrk_lookup(const struct ctrk_code *table, const char *code)
{
    size_t i;

    for (i = 0; code != NULL && table[i].code != NULL; i++) {
        if (strcmp(table[i].code, code) == 0) {
            return &table[i];
        }
    }
    return NULL;
}

const char *
ctrk_x12_status(const char *code, int *damaged)
{
    const struct ctrk_code *c = ctrk_lookup(ctrk_x12_statuses, code);

    *damaged = c != NULL && c->damaged;
    return c != NULL ? c->word : NULL;
}

const char *
ctrk_x12_reason(const char *code)
{
    const struct ctrk_code *c = ctrk_lookup(ctrk_x12_reasons, code);

    return c != NULL ? c->word : NULL;
}

const char *
ctrk_edifact_status(const char *code, int *damaged)
{
    const struct ctrk_code *c = ctrk_lookup(ctrk_edifact_statuses, code);

    *damaged = c != NULL && c->damaged;
    return c != NULL ? c->word : NULL;
}

const char *
ctrk_edifact_reason(const char *code)
{
    const struct ctrk_code *c = ctrk_lookup(ctrk_edifact_reasons, code);

    return c != NULL ? c->word : NULL;
}

const char *
ctrk_status_word(const char *word)
{
    size_t i;

    for (i = 0; word != NULL && ctrk_statuses[i] != NULL; i++) {
        if (strcmp(ctrk_statuses[i], word) == 0) {
            return ctrk_statuses[i];
        }
    }
    return NULL;
}

/* --- time zones ------------------------------------------------------- */

/*
 * X12 element 623, Time Code.  dst: the US zones whose code does not
 * say standard or daylight ("ET"), judged by the date.  local: LT, the
 * zone of the place, which the code does not name.
 */
static const struct {
    const char *code;
    int offset_min;         /* standard time */
    int dst;
    int local;
} ctrk_x12_zones[] = {
    {"UT", 0, 0, 0}, {"GM", 0, 0, 0},
    {"AT", -240, 1, 0}, {"AS", -240, 0, 0}, {"AD", -180, 0, 0},
    {"ET", -300, 1, 0}, {"ES", -300, 0, 0}, {"ED", -240, 0, 0},
    {"CT", -360, 1, 0}, {"CS", -360, 0, 0}, {"CD", -300, 0, 0},
    {"MT", -420, 1, 0}, {"MS", -420, 0, 0}, {"MD", -360, 0, 0},
    {"PT", -480, 1, 0}, {"PS", -480, 0, 0}, {"PD", -420, 0, 0},
    {"LT", 0, 0, 1},
    {NULL, 0, 0, 0}
};

/* Day of the week, 0 = Sunday (Sakamoto's method). */
static int
ctrk_weekday(int y, int m, int d)
{
    static const int t[] = {0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4};

    if (m < 3) {
        y -= 1;
    }
    return (y + y / 4 - y / 100 + y / 400 + t[m - 1] + d) % 7;
}

/* Day of month of the n-th Sunday of month m. */
static int
ctrk_nth_sunday(int y, int m, int n)
{
    int first = 1 + (7 - ctrk_weekday(y, m, 1)) % 7;

    return first + 7 * (n - 1);
}

/*
 * US daylight saving time at a local wall-clock time: from the second
 * Sunday of March 02:00 to the first Sunday of November 02:00.
 * XXX: the rule in force since 2007 is applied to every year; times
 * before 2007 in March or late October get an offset one hour off.
 */
static int
ctrk_us_dst(int y, int m, int d, int h)
{
    int start = ctrk_nth_sunday(y, 3, 2), end = ctrk_nth_sunday(y, 11, 1);

    if (m > 3 && m < 11) {
        return 1;
    }
    if (m == 3) {
        return d > start || (d == start && h >= 2);
    }
    if (m == 11) {
        return d < end || (d == end && h < 2);
    }
    return 0;
}

int
ctrk_x12_zone(const char *code, int y, int m, int d, int h, int mi,
              int *offset_min, int *known)
{
    size_t i;

    (void)mi;
    for (i = 0; ctrk_x12_zones[i].code != NULL; i++) {
        if (strcmp(ctrk_x12_zones[i].code, code) != 0) {
            continue;
        }
        *known = !ctrk_x12_zones[i].local;
        *offset_min = ctrk_x12_zones[i].offset_min;
        if (ctrk_x12_zones[i].dst && ctrk_us_dst(y, m, d, h)) {
            *offset_min += 60;
        }
        return 0;
    }
    *known = 0;
    *offset_min = 0;
    return -1;
}

/* --- date and time ---------------------------------------------------- */

static int
ctrk_digits(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i])) {
            return 0;
        }
    }
    return s[n] == '\0';
}

static int
ctrk_num(const char *s, size_t n)
{
    int v = 0;
    size_t i;

    for (i = 0; i < n; i++) {
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

int
ctrk_datetime(const char *date, const char *time, int has_offset,
              int offset_min, char out[32], int parts[5])
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
                                30, 31};
    int y, m, d, h = 0, mi = 0, s = 0, leap, a;
    size_t tn = strlen(time);
    char zone[16] = "";

    if (!ctrk_digits(date, 8)) {
        return -1;
    }
    y = ctrk_num(date, 4);
    m = ctrk_num(date + 4, 2);
    d = ctrk_num(date + 6, 2);
    leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (y < 1 || m < 1 || m > 12 || d < 1 ||
        d > mdays[m - 1] + (m == 2 && leap)) {
        return -1;
    }
    if (tn != 0 && !(tn == 4 && ctrk_digits(time, 4)) &&
        !(tn == 6 && ctrk_digits(time, 6))) {
        return -1;
    }
    if (tn >= 4) {
        h = ctrk_num(time, 2);
        mi = ctrk_num(time + 2, 2);
    }
    if (tn == 6) {
        s = ctrk_num(time + 4, 2);
    }
    if (h > 23 || mi > 59 || s > 59) {
        return -1;
    }
    if (has_offset) {
        a = offset_min < 0 ? -offset_min : offset_min;
        if (a > 14 * 60) {
            return -1;
        }
        snprintf(zone, sizeof(zone), "%c%02d:%02d",
                 offset_min < 0 ? '-' : '+', a / 60, a % 60);
    }
    /* Every part is range-checked above: 25 bytes at most. */
    snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02d%.6s", y % 10000,
             m % 100, d % 100, h % 100, mi % 100, s % 100, zone);
    parts[0] = y;
    parts[1] = m;
    parts[2] = d;
    parts[3] = h;
    parts[4] = mi;
    return 0;
}
