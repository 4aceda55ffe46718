/* output.c — the registry of output modules (see output.h). */
#include "output.h"

#include <string.h>

static const struct p3s_output_module *const MODULES[] = {
    &p3s_output_text, &p3s_output_jsonl, &p3s_output_csv, &p3s_output_nuclei, NULL};

const struct p3s_output_module *p3s_output_find(const char *name)
{
    for (size_t i = 0; MODULES[i]; i++)
        if (strcmp(MODULES[i]->name, name) == 0)
            return MODULES[i];
    return NULL;
}

const char *p3s_output_names(void)
{
    return "text, jsonl, csv, nuclei";
}
