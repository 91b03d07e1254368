from schools.imports.commands import ImportCommand


class Command(ImportCommand):
    help = "Import parents and carers (upn,name,relationship,parental_responsibility,phone,email,address,...)."
    kind = "contacts"
