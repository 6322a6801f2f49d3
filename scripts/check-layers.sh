#!/usr/bin/env bash
# Fails when a file of one layer includes a header of a layer it may not depend on (DESIGN.md,
# "The shape"): every offending include is printed as file:line. A layer's files are those under
# src/<layer>/ and include/sluice/<layer>/; an include names a layer either as a public header
# ("sluice/broker/broker.h") or as a private one ("broker/stream_state.h"). Only storage may
# include RocksDB.
set -euo pipefail
cd "$(dirname "$0")/.."

# What each layer may include besides itself. Below protocol the chain is
# common <- storage <- replication <- broker <- api; protocol knows api, net and common only;
# net knows common only; admin sits beside protocol and reaches storage only through replication.
declare -A allowed=(
  [common]=""
  [storage]="common"
  [replication]="storage common"
  [broker]="replication storage common"
  [api]="broker replication storage common"
  [protocol]="api net common"
  [net]="common"
  [admin]="protocol api net broker replication common"
  [app]="*"
)
layers="${!allowed[*]}"

bad=0
report() {
  echo "$1: $2" >&2
  bad=1
}

# A new layer must say where it sits before its includes can be judged.
for dir in src/*/ include/sluice/*/; do
  name=$(basename "$dir")
  [ -n "${allowed[$name]+x}" ] || report "$dir" "not a known layer; add it to scripts/check-layers.sh"
done

for layer in $layers; do
  permitted=" $layer ${allowed[$layer]} "
  for dir in "src/$layer" "include/sluice/$layer"; do
    [ -d "$dir" ] || continue
    # file:line:text of every quoted or angled include.
    while IFS= read -r hit; do
      file="${hit%%:*}"
      rest="${hit#*:}"
      where="$file:${rest%%:*}"
      directive="${rest#*:}"
      target=$(sed -nE 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]([^">]+)[">].*/\1/p' \
        <<<"$directive")
      [ -n "$target" ] || continue
      if [[ "$target" == rocksdb/* ]]; then
        [ "$layer" = storage ] || report "$where" "$layer includes RocksDB ($target)"
        continue
      fi
      [ "${allowed[$layer]}" = "*" ] && continue
      first="${target%%/*}"
      if [ "$first" = sluice ]; then
        first="${target#sluice/}"
        first="${first%%/*}"
      fi
      # Only includes that name a layer count; system and third-party headers do not.
      [ -n "${allowed[$first]+x}" ] || continue
      [ "$target" != "$first" ] || continue
      if [[ "$permitted" != *" $first "* ]]; then
        report "$where" "$layer may not include $first ($target)"
      fi
    done < <(grep -rnE '^[[:space:]]*#[[:space:]]*include' "$dir" --include='*.h' --include='*.cc' \
      --include='*.hpp' --include='*.cpp' || true)
  done
done

if [ "$bad" -ne 0 ]; then
  echo "layer check failed: see DESIGN.md for which layer may use which" >&2
  exit 1
fi
echo "layers ok"
