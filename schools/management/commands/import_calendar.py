from schools.imports.commands import ImportCommand


class Command(ImportCommand):
    help = "Import a school's half-terms, INSET days and closures (kind,name,start,end), then rebuild its school days."
    kind = "calendar"
