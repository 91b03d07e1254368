from schools.imports.commands import ImportCommand


class Command(ImportCommand):
    help = "Import a school's pupils (upn,surname,forename,dob,gender,year,group,fsm,sen,eal,...), matched on UPN."
    kind = "pupils"
