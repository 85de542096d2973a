package dev.emergence.app.session;

import java.nio.file.Path;

/**
 * A session file that could not be read (in full) and was moved aside, with its bytes untouched,
 * so that the next autosave cannot overwrite it.
 *
 * @param keptAs where it is now ({@code session.json.damaged-20260101-120000})
 * @param why    what was wrong with it, in a few words
 */
public record KeptFile(Path keptAs, String why) {
}
