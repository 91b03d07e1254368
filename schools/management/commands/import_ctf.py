from schools.imports.commands import ImportCommand


class Command(ImportCommand):
    help = "Import pupils, contacts and attendance from a DfE Common Transfer File (XML)."
    kind = "ctf"
    file_help = "the CTF (XML)"
