from schools.imports.commands import ImportCommand


class Command(ImportCommand):
    help = (
        "Import session marks (upn,date,session,code[,minutes_late]); a changed code is a correction kept in history."
    )
    kind = "marks"
