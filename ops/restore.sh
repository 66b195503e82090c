#!/bin/sh
# Restore a backup made by ops/backup.sh into a fresh, empty PostgreSQL database.
#
#   DATABASE_URL=postgres://.../titz NUMBER_ENCRYPTION_KEYS=... NUMBER_HASH_KEY=... \
#   SECRET_KEY=... MEDIA_ROOT=/app/var/media ops/restore.sh /backups/2026-12-08
#
# Then: migrate (a newer release may bring migrations), check that the keys open the
# numbers (verify_number_keys) and that the consent log's chain holds
# (verify_consent_log). Any failure stops the script with a non-zero exit. Run it with the
# same environment as the service (docker compose run --rm web ops/restore.sh ...).
set -eu
dir=${1:?usage: ops/restore.sh DIR}
: "${DATABASE_URL:?DATABASE_URL must name the (empty) database to restore into}"
root=$(cd "$(dirname "$0")/.." && pwd)
python=${PYTHON:-python}
media=${MEDIA_ROOT:-$root/var/media}
(cd "$dir" && sha256sum --check --quiet SHA256SUMS)
tables=$(psql "$DATABASE_URL" -tAc "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
if [ "$tables" != "0" ]; then
    echo "ops/restore.sh: the database is not empty ($tables tables); restore into a fresh one." >&2
    exit 2
fi
pg_restore --no-owner --no-privileges --exit-on-error --dbname="$DATABASE_URL" "$dir/database.dump"
mkdir -p "$media"
tar -xzf "$dir/media.tar.gz" -C "$media"
cd "$root"
"$python" manage.py migrate --noinput
"$python" manage.py verify_number_keys
"$python" manage.py verify_consent_log
echo "Wiederhergestellt aus $dir."
