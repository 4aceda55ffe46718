/* cmd.c — finding the subcommand (see cmd.h); what the subcommands share is cmd_common.c. */
#include "cmd.h"
#include "cmd_db.h"
#include "cmd_diff.h"
#include "cmd_discover.h"
#include "cmd_history.h"
#include "cmd_report.h"

#include <string.h>

int p3s_subcommand(int argc, char **argv)
{
    if (argc < 2)
        return -1;
    /* A host named "diff" is still scanned as "diff." or after "--". */
    if (strcmp(argv[1], "diff") == 0)
        return p3s_cmd_diff(argc - 1, argv + 1);
    if (strcmp(argv[1], "history") == 0)
        return p3s_cmd_history(argc - 1, argv + 1);
    if (strcmp(argv[1], "report") == 0)
        return p3s_cmd_report(argc - 1, argv + 1);
    if (strcmp(argv[1], "discover") == 0)
        return p3s_cmd_discover(argc - 1, argv + 1);
    if (strcmp(argv[1], "db") == 0)
        return p3s_cmd_db(argc - 1, argv + 1);
    return -1;
}
