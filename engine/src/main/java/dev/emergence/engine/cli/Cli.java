package dev.emergence.engine.cli;

import dev.emergence.engine.InvalidRequestException;
import dev.emergence.engine.image.ImageException;
import dev.emergence.engine.model.ModelException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.CancellationException;

/** The headless command line: every engine feature, scriptable, without the studio. */
@Command(name = "studio",
        mixinStandardHelpOptions = true,
        versionProvider = Cli.Version.class,
        description = "Stable Diffusion over ONNX Runtime: generate, inspect models, tokenize, schedule, benchmark.",
        subcommands = {InfoCommand.class, GenerateCommand.class, TokenizeCommand.class, ScheduleCommand.class,
                NoiseCommand.class, BenchCommand.class, EvaluateCommand.class, ModelsCommand.class,
                CommandLine.HelpCommand.class})
public final class Cli implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit code (see {@link ExitCodes}). */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Cli());
        cl.setExecutionExceptionHandler(Cli::handle);
        return cl.execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** User errors get one line and their own exit code; only engine bugs print a stack trace. */
    private static int handle(Exception thrown, CommandLine cl, CommandLine.ParseResult parsed) {
        PrintWriter err = cl.getErr();
        Exception e = userCause(thrown);
        if (e instanceof ModelException) {
            err.println("error: " + e.getMessage());
            return ExitCodes.BAD_MODEL;
        }
        if (e instanceof InvalidRequestException || e instanceof ImageException) {
            err.println("error: " + e.getMessage());
            return ExitCodes.BAD_INPUT;
        }
        if (e instanceof CancellationException) {
            err.println("cancelled");
            return ExitCodes.CANCELLED;
        }
        if (e instanceof IOException) {
            err.println("error: " + e.getMessage());
            return ExitCodes.BAD_INPUT;
        }
        err.println("internal error: " + e);
        e.printStackTrace(err);
        return ExitCodes.INTERNAL;
    }

    /** A user error wrapped on its way out of a callback is still a user error. */
    private static Exception userCause(Exception e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ModelException || t instanceof InvalidRequestException || t instanceof ImageException
                    || t instanceof CancellationException) {
                return (Exception) t;
            }
        }
        return e;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Cli.class.getPackage().getImplementationVersion();
            return new String[] {"Emergence Studio " + (v == null ? "(development build)" : v)};
        }
    }
}
