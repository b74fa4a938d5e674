from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from articles.importer import ImportFailed
from articles.models import Article
from articles.services import import_document


class Command(BaseCommand):
    help = "Import study materials from .txt (UTF-8/GBK) or .docx files."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", type=Path)
        parser.add_argument(
            "--publish",
            action="store_true",
            help="Publish the imported articles (default: draft).",
        )

    def handle(self, *args, files: list[Path], publish: bool, **options):
        status = Article.Status.PUBLISHED if publish else Article.Status.DRAFT
        failed = False
        for path in files:
            try:
                data = path.read_bytes()
            except OSError as error:
                raise CommandError(f"{path}: {error}") from error
            try:
                result = import_document(data, path.name, status=status)
            except ImportFailed as error:
                self.stderr.write(f"{path}: {error.message}")
                failed = True
                continue
            self.stdout.write(
                f"{path}: {len(result.created)} imported, "
                f"{len(result.skipped)} already present ({result.encoding})"
            )
            for title, warning in result.warnings:
                self.stdout.write(self.style.WARNING(f"  {title}: {warning.message}"))
        if failed:
            raise CommandError("Some files could not be imported.")
