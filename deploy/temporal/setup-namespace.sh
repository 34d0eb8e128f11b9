#!/bin/sh
# Once the Temporal server answers: creates the namespace (unless it exists) and registers the payment
# workflows' search attributes in it (an attribute already registered with the same type is kept; one
# with another type fails this script). Waits, bounded, until the server lists all of them.
#
# Compose runs it in the temporalio/admin-tools image; scripts/production-shape.ts runs the same file
# with the project's Temporal CLI.
#
#   TEMPORAL_ADDRESS     the server's frontend (read by the temporal CLI itself)
#   TEMPORAL_NAMESPACE   the namespace
#   NAMESPACE_RETENTION  how long closed workflows are kept, e.g. 72h
#   SEARCH_ATTRIBUTES    space-separated Name=Type pairs (Keyword, Int, Bool, ...)
#   SETUP_ATTEMPTS       how many times to wait 2 s for the server and for the attributes (default 60)
set -eu
: "${TEMPORAL_ADDRESS:?TEMPORAL_ADDRESS is required}"
: "${TEMPORAL_NAMESPACE:?TEMPORAL_NAMESPACE is required}"
: "${NAMESPACE_RETENTION:?NAMESPACE_RETENTION is required}"
: "${SEARCH_ATTRIBUTES:?SEARCH_ATTRIBUTES is required}"
attempts=${SETUP_ATTEMPTS:-60}

# Every call is bounded: the CLI waits for a server that does not answer.
cli() {
  timeout 20 temporal "$@"
}

wait_for() {
  what=$1
  shift
  tries=0
  until "$@" > /dev/null 2>&1; do
    tries=$((tries + 1))
    if [ "$tries" -ge "$attempts" ]; then
      echo "setup-namespace: $what not reached after $attempts tries" >&2
      "$@" >&2 || true
      exit 1
    fi
    sleep 2
  done
}

registered() {
  cli operator search-attribute list --namespace "$TEMPORAL_NAMESPACE" |
    grep -Eiq "(^|[[:space:]])$1[[:space:]]+$2([[:space:]]|\$)"
}

wait_for "Temporal at $TEMPORAL_ADDRESS" cli operator cluster health
if ! cli operator namespace describe --namespace "$TEMPORAL_NAMESPACE" > /dev/null 2>&1; then
  cli operator namespace create --namespace "$TEMPORAL_NAMESPACE" --retention "$NAMESPACE_RETENTION"
fi
wait_for "namespace $TEMPORAL_NAMESPACE" cli operator search-attribute list --namespace "$TEMPORAL_NAMESPACE"
for sa in $SEARCH_ATTRIBUTES; do
  name=${sa%%=*}
  type=${sa#*=}
  if ! registered "$name" "$type"; then
    cli operator search-attribute create --namespace "$TEMPORAL_NAMESPACE" --name "$name" --type "$type" > /dev/null
  fi
done
for sa in $SEARCH_ATTRIBUTES; do
  wait_for "search attribute ${sa%%=*} (${sa#*=})" registered "${sa%%=*}" "${sa#*=}"
done
echo "setup-namespace: namespace $TEMPORAL_NAMESPACE with $SEARCH_ATTRIBUTES"
