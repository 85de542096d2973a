package dev.emergence.app;

import dev.emergence.engine.cli.Cli;

/** Launcher: with a subcommand it runs the engine's headless command line; without one it will open the studio. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        if (args.length == 0) {
            System.out.println("Emergence Studio: the studio window comes in a later release; run with --help for the command line.");
            args = new String[] {"--help"};
        }
        System.exit(Cli.run(args));
    }
}
