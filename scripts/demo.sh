#!/bin/bash
# The main job: build supplygate, start the gateway with the shipped
# configuration (an embedded redis-server it starts itself), post every
# message in examples/, and print what the gateway decided for each.
# The gateway is stopped at the end; pass --keep to leave it running.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
bash scripts/build.sh

keep=0
[ "${1:-}" = "--keep" ] && keep=1
# Each run starts from an empty state: the examples reuse their
# interchange numbers, which a second run would rightly refuse (409).
state=var
rm -rf "$state"
mkdir -p "$state"
rm -f "$state/http.port"
./supplygated -c conf/supplygate.conf 2>"$state/supplygated.log" &
pid=$!
stop() { kill -TERM "$pid" 2>/dev/null && wait "$pid" || true; }
[ "$keep" = 1 ] || trap stop EXIT

for _ in $(seq 100); do
    [ -s "$state/http.port" ] && break
    kill -0 "$pid" 2>/dev/null || { cat "$state/supplygated.log"; exit 1; }
    sleep 0.1
done
base="http://127.0.0.1:$(cat "$state/http.port")"
echo "supplygate is listening on $base (log: $state/supplygated.log)"

content_type() {
    case "$1" in
        *.xml) echo application/xml ;;
        *.json) echo application/json ;;
        *.csv) echo text/csv ;;
        *) head -c 3 "$1" | grep -q '^ISA' && echo application/EDI-X12 \
               || echo application/EDIFACT ;;
    esac
}

# GET a resource, waiting for the workers to have written it.
fetch() {
    local out
    for _ in $(seq 50); do
        out=$(curl -s -f "$base$1") && { printf '%s' "$out"; return 0; }
        sleep 0.1
    done
    echo '{}'
}

# In name order: orders first, then what follows them (the carrier's
# statuses, the warehouse's stock, the customer's complaint about 05).
keys=()
for f in examples/[0-9]*; do
    [ -f "$f" ] || continue
    answer=$(curl -s -w '\n%{http_code}' -H "Content-Type: $(content_type "$f")" \
             --data-binary @"$f" "$base/v1/messages")
    code=$(tail -n1 <<<"$answer")
    body=$(sed '$d' <<<"$answer")
    printf '\n== %s -> HTTP %s\n' "$f" "$code"
    if [ "$code" = 202 ]; then
        jq -r '.documents[] | "   \(.type) \(.key)"' <<<"$body"
        mapfile -t new < <(jq -r '.documents[] | "\(.type) \(.key)"' <<<"$body" | sort -u)
        keys+=("${new[@]}")
        case "$f" in
            *.csv) mapfile -t items < <(tail -n +2 "$f" | cut -d, -f2 | tr -d '"' | sort -u)
                   for i in "${items[@]}"; do keys+=("item $i"); done ;;
        esac
    else
        jq -r '.errors[] | "   \(.code) at \(.tag // "-") segment \(.segment // "-") element \(.element // "-") line \(.line // "-"): \(.message)"' \
            <<<"$body"
    fi
done

echo
echo "== Decisions"
declare -A shown
for tk in "${keys[@]}"; do
    [ -n "${shown[$tk]:-}" ] && continue
    shown[$tk]=1
    k=${tk#* }
    case "${tk%% *}" in
    order)
        jq -r '"order \(.order): \(.state), approval \(.approval), amount \(.amount)\(if .currency then " " + .currency else "" end), holds: \([.holds[]?.code] | join(", ") | if . == "" then "none" else . end), shipment: \(.shipment_state // "none")"' \
            <<<"$(fetch "/v1/orders/$k")" ;;
    tracking)
        jq -r '"shipment \(.shipment) (order \(.order // "-")): \(.state), carrier \(.carrier), on time: \(.delivery.on_time), \(.timeline | length) events"' \
            <<<"$(fetch "/v1/shipments/$k")" ;;
    item)
        jq -r '"stock \(.item): " + ([.warehouses[]? | "\(.warehouse) level \(.level) \(.unit // ""), alert \(.alert // "none")" + (if .open_replenishment then ", replenishment order \(.open_replenishment)" else "" end) + ", pick first: \(if (.lots[0].lot // "") == "" then "no lot" else .lots[0].lot end)"] | join("; "))' \
            <<<"$(fetch "/v1/stock/$k")" ;;
    order_response)
        jq -r '"answer to order \(.order): \(.status), \(.price_flags) price flag(s), \(.late_lines) late line(s), promised \(.promised_delivery // "-")"' \
            <<<"$(fetch "/v1/order-responses/$k")" ;;
    feedback)
        jq -r '"ticket \(.ticket // .id): \(.state), \(.category // "") \(.severity // ""), supplier \(.link.supplier // "unknown") (via \(.link.via // "-")), escalations \(.escalations | length)"' \
            <<<"$(fetch "/v1/feedback/$k")" ;;
    invoice)
        jq -r '"invoice \(.invoice) (order \(.order // "-")): \(.state), total \(.total // "-"), reasons: \([.reasons[]?.code] | join(", ") | if . == "" then "none" else . end)"' \
            <<<"$(fetch "/v1/invoices/$k")" ;;
    ship_notice)
        jq -r '"ship notice \(.asn): \(.state), supplier \(.supplier), orders \(.orders | join(", ")), issues: \([.issues[]? | .code + (if .lot then " " + .lot else "" end) + (if .item and (.lot | not) then " " + .item else "" end)] | join(", ") | if . == "" then "none" else . end)"' \
            <<<"$(fetch "/v1/ship-notices/$k")" ;;
    esac
done
[ "$keep" = 1 ] && echo "gateway left running as pid $pid"
exit 0
