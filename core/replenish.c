/*
 * replenish.c - write a replenishment order (replenish.h) as canonical
 * XML, X12 850 or EDIFACT ORDERS.
 *
 * Values come from our own configuration and the partner documents that
 * made the stock low, so they are cleaned for each syntax: X12 has no
 * escape, so a delimiter inside a value becomes '-'; EDIFACT values get
 * the release character.  Fixed-width ISA fields are padded with blanks
 * and cut at their width.
 * XXX: an X12 value holding '*', '~' or '>' is altered ('-') and an ISA
 * id longer than 15 characters is cut; the supplier then sees another
 * identifier than the registry's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "replenish.h"

static void
sg_repl_clock(long long ms, struct tm *tm)
{
    time_t t = (time_t)(ms / 1000);

    gmtime_r(&t, tm);
}

/* --- canonical ------------------------------------------------------ */

char *
sg_repl_canonical(const struct sg_repl_order *o)
{
    struct sg_buf b;
    char day[16], ctl[24];
    struct tm tm;

    sg_repl_clock(o->at_ms, &tm);
    strftime(day, sizeof(day), "%Y-%m-%d", &tm);
    snprintf(ctl, sizeof(ctl), "%lld", o->control);
    sg_buf_init(&b);
    sg_buf_adds(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                "<order xmlns=\"urn:supplygate:canonical:1\">\n"
                "  <source format=\"xml\" sender=\"");
    sg_buf_add_xml(&b, o->sender_id);
    sg_buf_adds(&b, "\" interchange=\"");
    sg_buf_add_xml(&b, ctl);
    sg_buf_adds(&b, "\"/>\n  <orderNumber>");
    sg_buf_add_xml(&b, o->number);
    sg_buf_addf(&b, "</orderNumber>\n  <orderDate>%s</orderDate>\n"
                "  <purpose>original</purpose>\n"
                "  <orderType>replenishment</orderType>\n"
                "  <supplier id=\"", day);
    sg_buf_add_xml(&b, o->supplier);
    sg_buf_adds(&b, "\">\n");
    if (o->supplier_name != NULL && o->supplier_name[0] != '\0') {
        sg_buf_adds(&b, "    <name>");
        sg_buf_add_xml(&b, o->supplier_name);
        sg_buf_adds(&b, "</name>\n");
    }
    sg_buf_adds(&b, "  </supplier>\n  <shipTo id=\"");
    sg_buf_add_xml(&b, o->warehouse);
    sg_buf_adds(&b, "\"/>\n  <lines>\n    <line number=\"1\">\n"
                "      <item>");
    sg_buf_add_xml(&b, o->item);
    sg_buf_adds(&b, "</item>\n      <quantity unit=\"");
    sg_buf_add_xml(&b, o->unit);
    sg_buf_adds(&b, "\">");
    sg_buf_add_xml(&b, o->quantity);
    sg_buf_adds(&b, "</quantity>\n");
    if (o->unit_price != NULL) {
        sg_buf_adds(&b, "      <unitPrice>");
        sg_buf_add_xml(&b, o->unit_price);
        sg_buf_adds(&b, "</unitPrice>\n");
    }
    sg_buf_adds(&b, "    </line>\n  </lines>\n</order>\n");
    return sg_buf_steal(&b);
}

/* --- X12 ---------------------------------------------------------------- */

/* A value with the delimiters made '-'. */
static void
sg_repl_x12_value(struct sg_buf *b, const char *v)
{
    for (; v != NULL && *v != '\0'; v++) {
        char c = (*v == '*' || *v == '~' || *v == '>' ||
                  (unsigned char)*v < 0x20) ? '-' : *v;

        sg_buf_add(b, &c, 1);
    }
}

/* A fixed-width ISA field: cut or padded with blanks. */
static void
sg_repl_x12_fixed(struct sg_buf *b, const char *v, size_t width)
{
    struct sg_buf tmp;
    size_t i;

    sg_buf_init(&tmp);
    sg_repl_x12_value(&tmp, v);
    for (i = 0; i < width; i++) {
        sg_buf_add(b, i < tmp.len ? &tmp.data[i] : " ", 1);
    }
    sg_buf_free(&tmp);
}

char *
sg_repl_x12_850(const struct sg_repl_order *o)
{
    struct sg_buf b;
    char yymmdd[8], ymd[12], hhmm[8];
    long long ctl = o->control % 1000000000LL;
    struct tm tm;
    int segs;

    sg_repl_clock(o->at_ms, &tm);
    strftime(yymmdd, sizeof(yymmdd), "%y%m%d", &tm);
    strftime(ymd, sizeof(ymd), "%Y%m%d", &tm);
    strftime(hhmm, sizeof(hhmm), "%H%M", &tm);
    sg_buf_init(&b);
    sg_buf_adds(&b, "ISA*00*          *00*          *");
    sg_repl_x12_fixed(&b, o->sender_qual, 2);
    sg_buf_adds(&b, "*");
    sg_repl_x12_fixed(&b, o->sender_id, 15);
    sg_buf_adds(&b, "*ZZ*");
    sg_repl_x12_fixed(&b, o->supplier, 15);
    sg_buf_addf(&b, "*%s*%s*U*00401*%09lld*0*P*>~\n", yymmdd, hhmm, ctl);
    sg_buf_adds(&b, "GS*PO*");
    sg_repl_x12_value(&b, o->sender_id);
    sg_buf_adds(&b, "*");
    sg_repl_x12_value(&b, o->supplier);
    sg_buf_addf(&b, "*%s*%s*%lld*X*004010~\n", ymd, hhmm, ctl);
    sg_buf_adds(&b, "ST*850*0001~\nBEG*00*SA*");
    sg_repl_x12_value(&b, o->number);
    sg_buf_addf(&b, "**%s~\n", ymd);
    sg_buf_adds(&b, "N1*SU*");
    sg_repl_x12_value(&b, o->supplier_name);
    sg_buf_adds(&b, "*92*");
    sg_repl_x12_value(&b, o->supplier);
    sg_buf_adds(&b, "~\nN1*ST**92*");
    sg_repl_x12_value(&b, o->warehouse);
    sg_buf_adds(&b, "~\nPO1*1*");
    sg_repl_x12_value(&b, o->quantity);
    sg_buf_adds(&b, "*");
    sg_repl_x12_value(&b, o->unit);
    sg_buf_adds(&b, "*");
    sg_repl_x12_value(&b, o->unit_price);
    sg_buf_adds(&b, "**BP*");
    sg_repl_x12_value(&b, o->item);
    sg_buf_adds(&b, "~\nCTT*1~\n");
    segs = 7;   /* ST, BEG, N1, N1, PO1, CTT, SE */
    sg_buf_addf(&b, "SE*%d*0001~\nGE*1*%lld~\nIEA*1*%09lld~\n", segs, ctl,
                ctl);
    return sg_buf_steal(&b);
}

/* --- EDIFACT ----------------------------------------------------------- */

/* A value with + : ' ? released by '?'. */
static void
sg_repl_edi_value(struct sg_buf *b, const char *v)
{
    for (; v != NULL && *v != '\0'; v++) {
        if (strchr("+:'?", *v) != NULL) {
            sg_buf_add(b, "?", 1);
        }
        sg_buf_add(b, v, 1);
    }
}

char *
sg_repl_edifact_orders(const struct sg_repl_order *o)
{
    struct sg_buf b;
    char yymmdd[8], ymd[12], hhmm[8];
    long long ctl = o->control % 100000000000000LL;
    struct tm tm;
    int segs = 0;

    sg_repl_clock(o->at_ms, &tm);
    strftime(yymmdd, sizeof(yymmdd), "%y%m%d", &tm);
    strftime(ymd, sizeof(ymd), "%Y%m%d", &tm);
    strftime(hhmm, sizeof(hhmm), "%H%M", &tm);
    sg_buf_init(&b);
    sg_buf_adds(&b, "UNA:+.? '\nUNB+UNOC:3+");
    sg_repl_edi_value(&b, o->sender_id);
    sg_buf_adds(&b, ":");
    sg_repl_edi_value(&b, o->sender_qual);
    sg_buf_adds(&b, "+");
    sg_repl_edi_value(&b, o->supplier);
    sg_buf_addf(&b, ":ZZ+%s:%s+%lld'\n", yymmdd, hhmm, ctl);
    sg_buf_adds(&b, "UNH+1+ORDERS:D:96A:UN'\nBGM+220+");
    sg_repl_edi_value(&b, o->number);
    sg_buf_addf(&b, "+9'\nDTM+137:%s:102'\nNAD+SU+", ymd);
    sg_repl_edi_value(&b, o->supplier);
    sg_buf_adds(&b, "::92'\nNAD+DP+");
    sg_repl_edi_value(&b, o->warehouse);
    sg_buf_adds(&b, "::92'\nLIN+1++");
    sg_repl_edi_value(&b, o->item);
    sg_buf_adds(&b, ":BP'\nQTY+21:");
    sg_repl_edi_value(&b, o->quantity);
    sg_buf_adds(&b, ":");
    sg_repl_edi_value(&b, o->unit);
    sg_buf_adds(&b, "'\n");
    segs = 8;   /* UNH BGM DTM NAD NAD LIN QTY, and UNS below */
    if (o->unit_price != NULL) {
        sg_buf_adds(&b, "PRI+AAA:");
        sg_repl_edi_value(&b, o->unit_price);
        sg_buf_adds(&b, "'\n");
        segs++;
    }
    sg_buf_addf(&b, "UNS+S'\nCNT+2:1'\nUNT+%d+1'\nUNZ+1+%lld'\n",
                segs + 2, ctl);
    return sg_buf_steal(&b);
}
