/* atrium-init: writes a new app on libatrium from a template.
 *
 *   atrium-init NAME --id ID [--template c-vanilla|c-vite-ts] [--title TITLE] [DIR]
 *
 * The project is written into a hidden temporary directory beside DIR and
 * renamed into place at the end, so bad input, a full disk or a template
 * that cannot be read leaves nothing behind.
 *
 * Templates are folders of files in which {{NAME}}, {{ID}}, {{ID_PATH}},
 * {{PKG}} and {{TITLE}} are replaced, in contents and in file names. All but
 * the title are checked down to characters that mean nothing special in any
 * of the files (letters, digits, '_', '.', '/', '-'); the title is free text
 * and is escaped for the kind of file it lands in, chosen by the file's
 * extension. A template that puts the title in a file of another kind is a
 * bug in the template, reported as such.
 *
 * The templates are found relative to this program, so an installed copy
 * that was moved as a whole (meson install --destdir, a package) finds its
 * own; ATRIUM_INIT_TEMPLATES names another folder (the build tree's). */

#include "config.h"

#include <errno.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#define NAME_MAX_LENGTH  64
#define ID_MAX_LENGTH    255
#define TITLE_MAX_CHARS  100
/* A template file bigger than this is not a template. */
#define TEMPLATE_FILE_MAX (4 * 1024 * 1024)

static const char * const templates[] = { "c-vanilla", "c-vite-ts" };

typedef struct
{
  const char *name;
  const char *id;
  const char *id_path;
  const char *pkg;
  const char *title;
} Project;

/* Bad input: one line on stderr, exit status 2, nothing written. */
static int G_GNUC_PRINTF (1, 2)
usage_error (const char *format,
             ...)
{
  va_list args;

  fputs ("atrium-init: ", stderr);
  va_start (args, format);
  vfprintf (stderr, format, args);
  va_end (args);
  fputs ("\n", stderr);
  return 2;
}

/* A letter, then letters, digits and '_': 2 to 64 characters, so that it
 * is a C, JavaScript and file name and makes a Debian package name. */
static gboolean
name_is_valid (const char *name)
{
  gsize length = strlen (name);

  if (length < 2 || length > NAME_MAX_LENGTH || !g_ascii_isalpha (name[0]))
    return FALSE;
  for (const char *p = name; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '_')
      return FALSE;
  return TRUE;
}

/* Reverse DNS as Flatpak and D-Bus take it: at least three elements, each a
 * letter or '_' then letters, digits and '_'. */
static gboolean
id_is_valid (const char *id)
{
  g_auto(GStrv) elements = NULL;

  if (strlen (id) > ID_MAX_LENGTH || !g_application_id_is_valid (id))
    return FALSE;
  elements = g_strsplit (id, ".", -1);
  if (g_strv_length (elements) < 3)
    return FALSE;
  for (guint i = 0; elements[i] != NULL; i++)
    {
      if (elements[i][0] == '\0' || g_ascii_isdigit (elements[i][0]))
        return FALSE;
      for (const char *p = elements[i]; *p != '\0'; p++)
        if (!g_ascii_isalnum (*p) && *p != '_')
          return FALSE;
    }
  return TRUE;
}

/* One line of printable UTF-8, without space at either end. */
static gboolean
title_is_valid (const char *title)
{
  glong chars;

  if (!g_utf8_validate (title, -1, NULL))
    return FALSE;
  chars = g_utf8_strlen (title, -1);
  if (chars < 1 || chars > TITLE_MAX_CHARS)
    return FALSE;
  if (g_unichar_isspace (g_utf8_get_char (title))
      || g_unichar_isspace (g_utf8_get_char (g_utf8_prev_char (title + strlen (title)))))
    return FALSE;
  for (const char *p = title; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_iscntrl (c) || c == 0x2028 || c == 0x2029
          || g_unichar_type (c) == G_UNICODE_UNASSIGNED)
        return FALSE;
    }
  return TRUE;
}

/* The Debian (and npm) package name: lower case, '_' as '-'. */
static char *
package_name (const char *name)
{
  char *pkg = g_ascii_strdown (name, -1);

  g_strdelimit (pkg, "_", '-');
  return pkg;
}

/* --- the title, escaped for where it goes --------------------------------- */

typedef enum
{
  KIND_MARKUP,   /* .html .xml .svg */
  KIND_C,        /* .c .h: inside a string literal */
  KIND_KEYFILE,  /* .desktop: a value */
  KIND_JSON,     /* .json: inside a string */
  KIND_TEXT,     /* .md: prose */
  KIND_OTHER,    /* anything else: no title allowed */
} FileKind;

static FileKind
file_kind (const char *path)
{
  static const struct { const char *suffix; FileKind kind; } kinds[] = {
    { ".html", KIND_MARKUP }, { ".xml", KIND_MARKUP }, { ".svg", KIND_MARKUP },
    { ".c", KIND_C }, { ".h", KIND_C },
    { ".desktop", KIND_KEYFILE },
    { ".json", KIND_JSON },
    { ".md", KIND_TEXT },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (kinds); i++)
    if (g_str_has_suffix (path, kinds[i].suffix))
      return kinds[i].kind;
  return KIND_OTHER;
}

static void
append_title (GString    *out,
              const char *title,
              FileKind    kind)
{
  switch (kind)
    {
    case KIND_MARKUP:
      {
        g_autofree char *escaped = g_markup_escape_text (title, -1);

        g_string_append (out, escaped);
      }
      break;
    case KIND_C:
      /* Octal escapes for everything but printable ASCII, and '?' escaped
       * too so that no trigraph can form. */
      for (const unsigned char *p = (const unsigned char *) title; *p != '\0'; p++)
        {
          if (*p == '\\' || *p == '"' || *p == '?')
            g_string_append_printf (out, "\\%c", *p);
          else if (*p < 0x20 || *p >= 0x7f)
            g_string_append_printf (out, "\\%03o", *p);
          else
            g_string_append_c (out, (char) *p);
        }
      break;
    case KIND_KEYFILE:
      for (const char *p = title; *p != '\0'; p++)
        {
          if (*p == '\\')
            g_string_append (out, "\\\\");
          else
            g_string_append_c (out, *p);
        }
      break;
    case KIND_JSON:
      for (const unsigned char *p = (const unsigned char *) title; *p != '\0'; p++)
        {
          if (*p == '\\' || *p == '"')
            g_string_append_printf (out, "\\%c", *p);
          else if (*p == '<' || *p == '>' || *p == '&')
            g_string_append_printf (out, "\\u%04x", *p);
          else
            g_string_append_c (out, (char) *p);
        }
      break;
    case KIND_TEXT:
      g_string_append (out, title);
      break;
    case KIND_OTHER:
    default:
      g_assert_not_reached ();
    }
}

/* Replaces the placeholders in @text. @path says which file it is, for the
 * title's escaping and for the error; @kind is KIND_OTHER for a file name. */
static char *
substitute (const Project *project,
            const char    *text,
            const char    *path,
            FileKind       kind,
            GError       **error)
{
  g_autoptr(GString) out = g_string_sized_new (strlen (text) + 64);
  const char *p = text;
  const char *open;

  while ((open = strstr (p, "{{")) != NULL)
    {
      const char *close = strstr (open + 2, "}}");
      g_autofree char *key = NULL;
      const char *value = NULL;

      g_string_append_len (out, p, open - p);
      if (close == NULL)
        {
          g_string_append (out, open);
          p = open + strlen (open);
          break;
        }
      key = g_strndup (open + 2, close - open - 2);
      if (strcmp (key, "NAME") == 0)
        value = project->name;
      else if (strcmp (key, "ID") == 0)
        value = project->id;
      else if (strcmp (key, "ID_PATH") == 0)
        value = project->id_path;
      else if (strcmp (key, "PKG") == 0)
        value = project->pkg;
      else if (strcmp (key, "TITLE") == 0)
        {
          if (kind == KIND_OTHER)
            {
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           "the template puts {{TITLE}} in %s, a file it cannot escape it for",
                           path);
              return NULL;
            }
          append_title (out, project->title, kind);
          p = close + 2;
          continue;
        }

      if (value != NULL)
        {
          g_string_append (out, value);
          p = close + 2;
        }
      else
        {
          /* Not ours ({{ in a page's own text, say): kept as it is. */
          g_string_append (out, "{{");
          p = open + 2;
        }
    }
  g_string_append (out, p);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* --- writing -------------------------------------------------------------- */

static gboolean
copy_file (const Project *project,
           const char    *from,
           const char    *to,
           const char    *relative,
           GError       **error)
{
  g_autofree char *contents = NULL;
  g_autofree char *result = NULL;
  gsize length;
  GStatBuf st;

  if (g_stat (from, &st) != 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "%s: %s", from,
                   g_strerror (errno));
      return FALSE;
    }
  if (st.st_size > TEMPLATE_FILE_MAX)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s is too large for a template",
                   from);
      return FALSE;
    }
  if (!g_file_get_contents (from, &contents, &length, error))
    return FALSE;
  if (memchr (contents, '\0', length) != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "%s is not a text file; templates hold text only", from);
      return FALSE;
    }
  result = substitute (project, contents, relative, file_kind (relative), error);
  if (result == NULL)
    return FALSE;
  if (!g_file_set_contents_full (to, result, -1, G_FILE_SET_CONTENTS_NONE,
                                 (st.st_mode & 0111) != 0 ? 0755 : 0644, error))
    return FALSE;
  return TRUE;
}

static gboolean
copy_tree (const Project *project,
           const char    *from,
           const char    *to,
           const char    *relative,
           GError       **error)
{
  g_autoptr(GDir) dir = g_dir_open (from, 0, error);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *entry;

  if (dir == NULL)
    return FALSE;
  while ((entry = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_strdup (entry));

  for (guint i = 0; i < names->len; i++)
    {
      const char *name = names->pdata[i];
      g_autofree char *source = g_build_filename (from, name, NULL);
      g_autofree char *rel = relative[0] != '\0' ? g_build_filename (relative, name, NULL)
                                                 : g_strdup (name);
      g_autofree char *target_name = substitute (project, name, rel, KIND_OTHER, error);
      g_autofree char *target = NULL;

      if (target_name == NULL)
        return FALSE;
      target = g_build_filename (to, target_name, NULL);

      if (g_file_test (source, G_FILE_TEST_IS_SYMLINK))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "%s is a symbolic link; templates hold files and folders only", source);
          return FALSE;
        }
      if (g_file_test (source, G_FILE_TEST_IS_DIR))
        {
          if (g_mkdir (target, 0755) != 0)
            {
              g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "%s: %s", target,
                           g_strerror (errno));
              return FALSE;
            }
          if (!copy_tree (project, source, target, rel, error))
            return FALSE;
        }
      else if (!copy_file (project, source, target, rel, error))
        {
          return FALSE;
        }
    }
  return TRUE;
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = NULL;
  const char *entry;

  if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      dir = g_dir_open (path, 0, NULL);
      while (dir != NULL && (entry = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, entry, NULL);

          remove_tree (child);
        }
    }
  g_remove (path);
}

/* --- where the templates are ---------------------------------------------- */

/* ATRIUM_INIT_BINDIR and ATRIUM_INIT_TEMPLATEDIR are the configured absolute
 * paths; when this program runs from another copy of the same tree, the
 * templates are at the same place relative to it. */
static char *
find_templates (void)
{
  const char *override = g_getenv ("ATRIUM_INIT_TEMPLATES");
  g_autofree char *self = NULL;
  g_autofree char *bindir = NULL;
  g_autofree char *prefix = NULL;

  if (override != NULL && override[0] != '\0')
    return g_strdup (override);

  self = g_file_read_link ("/proc/self/exe", NULL);
  if (self != NULL)
    {
      g_autofree char *canonical_bindir = g_canonicalize_filename (ATRIUM_INIT_BINDIR, "/");
      g_autofree char *canonical_prefix = g_canonicalize_filename (ATRIUM_INIT_PREFIX, "/");

      bindir = g_path_get_dirname (self);
      /* The bin folder relative to the prefix, and this program's copy of it. */
      if (g_str_has_prefix (canonical_bindir, canonical_prefix)
          && g_str_has_prefix (ATRIUM_INIT_TEMPLATEDIR, ATRIUM_INIT_PREFIX)
          && g_str_has_suffix (bindir, canonical_bindir + strlen (canonical_prefix)))
        {
          prefix = g_strndup (bindir, strlen (bindir) - strlen (canonical_bindir)
                                      + strlen (canonical_prefix));
          return g_strconcat (prefix, ATRIUM_INIT_TEMPLATEDIR + strlen (ATRIUM_INIT_PREFIX),
                              NULL);
        }
    }
  return g_strdup (ATRIUM_INIT_TEMPLATEDIR);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *id = NULL;
  g_autofree char *template = NULL;
  g_autofree char *title = NULL;
  g_auto(GStrv) rest = NULL;
  const GOptionEntry entries[] = {
    { "id", 0, 0, G_OPTION_ARG_STRING, &id,
      "The app id, reverse DNS such as org.example.Notes (required)", "ID" },
    { "template", 0, 0, G_OPTION_ARG_STRING, &template,
      "c-vanilla (plain HTML, CSS and JavaScript; the default) or c-vite-ts (Vite and "
      "TypeScript with typed bindings)", "TEMPLATE" },
    { "title", 0, 0, G_OPTION_ARG_STRING, &title,
      "The app's name as people read it (NAME by default)", "TITLE" },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &rest, NULL, "NAME [DIR]" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- start a new app on Atrium");
  g_autoptr(GError) error = NULL;
  g_autofree char *target = NULL;
  g_autofree char *parent = NULL;
  g_autofree char *base = NULL;
  g_autofree char *tmpl = NULL;
  g_autofree char *template_dir = NULL;
  g_autofree char *templates_root = NULL;
  g_autofree char *scratch = NULL;
  g_autofree char *id_path = NULL;
  g_autofree char *pkg = NULL;
  Project project = { 0 };
  gboolean known = FALSE;
  sigset_t blocked;

  setlocale (LC_ALL, "");
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_summary (context,
    "Writes a ready project into DIR (./NAME by default): a C app on libatrium\n"
    "with its frontend, desktop file, metainfo, icon, tests and packaging.");
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return usage_error ("%s (see --help)", error->message);

  if (rest == NULL || rest[0] == NULL)
    return usage_error ("a NAME is needed, such as: atrium-init notes --id org.example.Notes");
  if (g_strv_length (rest) > 2)
    return usage_error ("unexpected argument “%s” (see --help)", rest[2]);
  if (!name_is_valid (rest[0]))
    return usage_error ("NAME “%s” is not an identifier: a letter, then letters, digits "
                        "or '_', 2 to %d in all", rest[0], NAME_MAX_LENGTH);
  if (id == NULL)
    return usage_error ("--id is needed, such as --id org.example.Notes");
  if (!id_is_valid (id))
    return usage_error ("--id “%s” is not a reverse-DNS app id such as org.example.Notes "
                        "(three or more elements of letters, digits and '_', none starting "
                        "with a digit)", id);
  if (title != NULL && !title_is_valid (title))
    return usage_error ("--title must be one line of 1 to %d printable characters without "
                        "space at either end", TITLE_MAX_CHARS);
  if (template == NULL)
    template = g_strdup ("c-vanilla");
  for (gsize i = 0; i < G_N_ELEMENTS (templates); i++)
    known |= strcmp (template, templates[i]) == 0;
  if (!known)
    return usage_error ("--template “%s” is not one of c-vanilla, c-vite-ts", template);

  target = g_canonicalize_filename (rest[1] != NULL ? rest[1] : rest[0], NULL);
  if (g_file_test (target, G_FILE_TEST_EXISTS) || g_file_test (target, G_FILE_TEST_IS_SYMLINK))
    {
      g_autoptr(GDir) dir = NULL;

      if (g_file_test (target, G_FILE_TEST_IS_SYMLINK))
        return usage_error ("%s is a symbolic link", target);
      if (!g_file_test (target, G_FILE_TEST_IS_DIR))
        return usage_error ("%s exists and is not a folder", target);
      dir = g_dir_open (target, 0, &error);
      if (dir == NULL)
        return usage_error ("%s", error->message);
      if (g_dir_read_name (dir) != NULL)
        return usage_error ("%s exists and is not empty", target);
    }
  parent = g_path_get_dirname (target);
  base = g_path_get_basename (target);
  if (!g_file_test (parent, G_FILE_TEST_IS_DIR))
    return usage_error ("%s does not exist", parent);

  templates_root = find_templates ();
  template_dir = g_build_filename (templates_root, template, NULL);
  if (!g_file_test (template_dir, G_FILE_TEST_IS_DIR))
    {
      fprintf (stderr, "atrium-init: no template %s in %s (set ATRIUM_INIT_TEMPLATES?)\n",
               template, templates_root);
      return 1;
    }

  project.name = rest[0];
  project.id = id;
  id_path = g_strdelimit (g_strdup (id), ".", '/');
  pkg = package_name (rest[0]);
  project.id_path = id_path;
  project.pkg = pkg;
  project.title = title != NULL ? title : rest[0];

  /* Ctrl+C while writing would leave the temporary folder behind: the
   * signals wait until the project is in place or gone, then act. */
  sigemptyset (&blocked);
  sigaddset (&blocked, SIGINT);
  sigaddset (&blocked, SIGTERM);
  sigaddset (&blocked, SIGHUP);
  sigprocmask (SIG_BLOCK, &blocked, NULL);

  /* Beside the target, on the same file system, so the rename is atomic. */
  tmpl = g_strdup_printf (".%s.atrium-init-XXXXXX", base);
  scratch = g_build_filename (parent, tmpl, NULL);
  if (g_mkdtemp_full (scratch, 0755) == NULL)
    {
      fprintf (stderr, "atrium-init: cannot write in %s: %s\n", parent, g_strerror (errno));
      return 1;
    }

  if (!copy_tree (&project, template_dir, scratch, "", &error))
    {
      fprintf (stderr, "atrium-init: %s\n", error->message);
      remove_tree (scratch);
      return 1;
    }
  /* rename(2) replaces an empty folder and refuses a non-empty one, so a
   * folder filled meanwhile is not overwritten. */
  if (g_rename (scratch, target) != 0)
    {
      int saved = errno;

      remove_tree (scratch);
      if (saved == ENOTEMPTY || saved == EEXIST)
        return usage_error ("%s exists and is not empty", target);
      fprintf (stderr, "atrium-init: cannot create %s: %s\n", target, g_strerror (saved));
      return 1;
    }

  printf ("Created %s (%s, %s) in %s\n"
          "Next: cd %s && make run\n", project.name, project.id, template, target, target);
  return 0;
}
