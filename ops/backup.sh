#!/bin/sh
# Back up Titz Broadcast: the PostgreSQL database and the uploaded media, into DIR.
#
#   DATABASE_URL=postgres://... MEDIA_ROOT=/app/var/media ops/backup.sh /backups/2026-12-08
#
# The keys are NOT in the backup, on purpose: keep NUMBER_ENCRYPTION_KEYS, NUMBER_HASH_KEY
# and SECRET_KEY apart from it (a password manager, a sealed envelope in the safe). A
# backup without them cannot send to anyone or find a resident who writes "Stop"; a thief
# with the backup but not the keys holds no readable number. See docs/backup.md.
set -eu
dir=${1:?usage: ops/backup.sh DIR}
: "${DATABASE_URL:?DATABASE_URL must name the database to back up}"
case $DATABASE_URL in postgres://*|postgresql://*) ;; *)
    echo "ops/backup.sh: only PostgreSQL is backed up by this script (DATABASE_URL=$DATABASE_URL)" >&2
    exit 2 ;;
esac
media=${MEDIA_ROOT:-$(dirname "$0")/../var/media}
mkdir -p "$dir"
umask 077
# Custom format: compressed, and pg_restore can restore it into a database of any name.
pg_dump --format=custom --no-owner --no-privileges --file="$dir/database.dump" "$DATABASE_URL"
if [ -d "$media" ]; then
    tar -czf "$dir/media.tar.gz" -C "$media" .
else
    tar -czf "$dir/media.tar.gz" --files-from /dev/null
fi
(cd "$dir" && sha256sum database.dump media.tar.gz > SHA256SUMS)
echo "Sicherung in $dir. Die Schlüssel (NUMBER_ENCRYPTION_KEYS, NUMBER_HASH_KEY, SECRET_KEY) getrennt davon aufbewahren."
