/* main.c — doptop entry point: parse the command line, run the loop. */
#include <locale.h>
#include "app.h"
#include "cli.h"

int main(int argc, char **argv)
{
	struct options o;
	setlocale(LC_ALL, "");
	int rc = cli_parse(argc, argv, &o);
	if (rc == 0)
		rc = app_run(&o);
	else if (rc == 1)
		rc = 0;
	else if (rc == 3)
		rc = 1;
	cli_free(&o);
	return rc;
}
