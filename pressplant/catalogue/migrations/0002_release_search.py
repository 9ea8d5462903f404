"""Search at catalogue scale: each release's words in one column, kept current by the database itself.

`search_text` holds the title, the artist, the genre, the label's name and every track's title and
artist, one a line, in upper case (what `icontains` compares; stored so, a match runs no UPPER() per
row). Triggers rewrite it whenever one of those changes, whoever writes (the ORM, bulk loads, raw SQL,
the admin): a change to a release, a track (added, edited, moved, deleted) or a label's name. Setting
`search_text` to '' is what asks for a rewrite (`ReleaseQuerySet.refresh_search_text`).

PostgreSQL indexes it with pg_trgm (GIN), so a word is found without reading a million tracks; SQLite
reads the one column of each release. ISRCs and UPCs are exact matches, looked up first on their own
indexes.

On SQLite, Django rebuilds a table to alter one of its columns, and the table's triggers go with it: a
later migration that does so to catalogue_release, catalogue_track or catalogue_label must run
SQLITE_INSTALL again (the statements are idempotent).
"""

import django.db.models.functions.text
from django.db import migrations, models

NL = "char(10)"
SQLITE_TEXT = (
    f"upper(title || {NL} || artist_display || {NL} || genre"
    f" || COALESCE({NL} || (SELECT l.name FROM catalogue_label l WHERE l.id = catalogue_release.label_id), '')"
    f" || COALESCE({NL} || (SELECT group_concat(t.title || {NL} || t.artist_display, {NL})"
    f" FROM catalogue_track t WHERE t.release_id = catalogue_release.id), ''))"
)


def _sqlite_rewrite(trigger: str, event: str, where: str, when: str = "") -> str:
    return (f"CREATE TRIGGER IF NOT EXISTS {trigger} AFTER {event} {when} "
            f"BEGIN UPDATE catalogue_release SET search_text = {SQLITE_TEXT} WHERE {where}; END;")


SQLITE_INSTALL = [
    _sqlite_rewrite("catalogue_release_search_insert", "INSERT ON catalogue_release", "id = NEW.id"),
    _sqlite_rewrite("catalogue_release_search_update",
                    "UPDATE OF title, artist_display, genre, label_id ON catalogue_release", "id = NEW.id"),
    # '' is the request for a rewrite; the rewrite itself sets a non-empty text, so this does not fire again.
    _sqlite_rewrite("catalogue_release_search_refresh", "UPDATE OF search_text ON catalogue_release",
                    "id = NEW.id", when="FOR EACH ROW WHEN NEW.search_text = ''"),
    _sqlite_rewrite("catalogue_track_search_insert", "INSERT ON catalogue_track", "id = NEW.release_id"),
    _sqlite_rewrite("catalogue_track_search_delete", "DELETE ON catalogue_track", "id = OLD.release_id"),
    _sqlite_rewrite("catalogue_track_search_update", "UPDATE OF title, artist_display, release_id ON catalogue_track",
                    "id IN (OLD.release_id, NEW.release_id)"),
    _sqlite_rewrite("catalogue_label_search_update", "UPDATE OF name ON catalogue_label", "label_id = NEW.id"),
    "UPDATE catalogue_release SET search_text = ''",
]
SQLITE_REMOVE = [
    f"DROP TRIGGER IF EXISTS {name};" for name in (
        "catalogue_release_search_insert", "catalogue_release_search_update", "catalogue_release_search_refresh",
        "catalogue_track_search_insert", "catalogue_track_search_delete", "catalogue_track_search_update",
        "catalogue_label_search_update")
]

POSTGRESQL_INSTALL = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    r"""CREATE OR REPLACE FUNCTION catalogue_release_search_text() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.search_text := UPPER(concat_ws(E'\n', NEW.title, NEW.artist_display, NEW.genre,
            (SELECT l.name FROM catalogue_label l WHERE l.id = NEW.label_id),
            (SELECT string_agg(t.title || E'\n' || t.artist_display, E'\n')
               FROM catalogue_track t WHERE t.release_id = NEW.id)));
        RETURN NEW;
    END $$""",
    """CREATE OR REPLACE TRIGGER catalogue_release_search
    BEFORE INSERT OR UPDATE OF title, artist_display, genre, label_id, search_text ON catalogue_release
    FOR EACH ROW EXECUTE FUNCTION catalogue_release_search_text()""",
    """CREATE OR REPLACE FUNCTION catalogue_track_search_text() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND OLD.release_id <> NEW.release_id) THEN
            UPDATE catalogue_release SET search_text = '' WHERE id = OLD.release_id;
        END IF;
        IF TG_OP <> 'DELETE' THEN
            UPDATE catalogue_release SET search_text = '' WHERE id = NEW.release_id;
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE OR REPLACE TRIGGER catalogue_track_search
    AFTER INSERT OR DELETE OR UPDATE OF title, artist_display, release_id ON catalogue_track
    FOR EACH ROW EXECUTE FUNCTION catalogue_track_search_text()""",
    """CREATE OR REPLACE FUNCTION catalogue_label_search_text() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE catalogue_release SET search_text = '' WHERE label_id = NEW.id;
        RETURN NULL;
    END $$""",
    """CREATE OR REPLACE TRIGGER catalogue_label_search
    AFTER UPDATE OF name ON catalogue_label FOR EACH ROW EXECUTE FUNCTION catalogue_label_search_text()""",
    "UPDATE catalogue_release SET search_text = ''",
    "CREATE INDEX IF NOT EXISTS release_search_trgm ON catalogue_release USING gin (search_text gin_trgm_ops)",
    # How many releases a word matches decides between walking the newest releases until a page is full (a
    # common word) and the trigram index (a rarer one). From the default sample of 100 texts, one chance hit
    # makes a word of 0.1% look like 1%, and that walk reads the whole table; 300 keeps planning cheap.
    "ALTER TABLE catalogue_release ALTER COLUMN search_text SET STATISTICS 300",
    "ANALYZE catalogue_release",
]
POSTGRESQL_REMOVE = [
    "DROP INDEX IF EXISTS release_search_trgm",
    "ALTER TABLE catalogue_release ALTER COLUMN search_text SET STATISTICS -1",
    "DROP TRIGGER IF EXISTS catalogue_label_search ON catalogue_label",
    "DROP TRIGGER IF EXISTS catalogue_track_search ON catalogue_track",
    "DROP TRIGGER IF EXISTS catalogue_release_search ON catalogue_release",
    "DROP FUNCTION IF EXISTS catalogue_label_search_text()",
    "DROP FUNCTION IF EXISTS catalogue_track_search_text()",
    "DROP FUNCTION IF EXISTS catalogue_release_search_text()",
]

STATEMENTS = {"sqlite": (SQLITE_INSTALL, SQLITE_REMOVE), "postgresql": (POSTGRESQL_INSTALL, POSTGRESQL_REMOVE)}


def _run(schema_editor, install: bool) -> None:
    vendor = schema_editor.connection.vendor
    if vendor not in STATEMENTS:
        raise RuntimeError(f"the catalogue's search triggers are not written for {vendor}")
    for sql in STATEMENTS[vendor][0 if install else 1]:
        schema_editor.execute(sql, params=None)


def install(apps, schema_editor) -> None:
    _run(schema_editor, install=True)


def remove(apps, schema_editor) -> None:
    _run(schema_editor, install=False)


class Migration(migrations.Migration):

    dependencies = [
        ('catalogue', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='release',
            name='search_text',
            field=models.TextField(blank=True, editable=False, help_text="Title, artist, genre, label, and every track's title and artist, one a line, in upper case: written by the database's triggers, read by search()."),
        ),
        migrations.AddIndex(
            model_name='release',
            index=models.Index(fields=['upc'], name='release_upc'),
        ),
        migrations.AddIndex(
            model_name='release',
            index=models.Index(django.db.models.functions.text.Upper('genre'), name='release_genre_upper'),
        ),
        migrations.AddIndex(
            model_name='release',
            index=models.Index(fields=['-created_at', '-id'], name='release_newest_first'),
        ),
        migrations.AddIndex(
            model_name='track',
            index=models.Index(fields=['isrc'], name='track_isrc'),
        ),
        migrations.RunPython(install, remove),
    ]
