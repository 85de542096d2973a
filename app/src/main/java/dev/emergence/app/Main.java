package dev.emergence.app;

import dev.emergence.engine.cli.Cli;

/**
 * Launcher: with arguments it runs the engine's headless command line; without any it opens the
 * studio. This class must not extend {@code javafx.application.Application}: launched from the
 * classpath (java -jar), JavaFX only starts when the main class is not an Application.
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        if (args.length > 0) {
            System.exit(Cli.run(args));
        }
        try {
            StudioApplication.launchStudio();
        } catch (RuntimeException | LinkageError e) {
            // No display (a server, an SSH session) or no JavaFX: say so in one line, point to the CLI.
            Throwable root = e;
            while (root.getCause() != null) root = root.getCause();
            System.err.println("error: the studio window cannot open (" + root.getMessage()
                    + "); the command line works without a display: studio --help");
            System.exit(1);
        }
    }
}
