package dev.emergence.engine.cli;

import dev.emergence.engine.InvalidRequestException;
import dev.emergence.engine.image.ImageException;
import dev.emergence.engine.model.ModelException;
import dev.emergence.engine.text.SafeText;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
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
        cl.setParameterExceptionHandler(Cli::usageError);
        cl.registerConverter(Path.class, Cli::toPath);
        return cl.execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /**
     * User errors get one line and their own exit code; only engine bugs print a stack trace.
     * Every line is escaped ({@link SafeText}): messages quote text from files and models.
     */
    private static int handle(Exception thrown, CommandLine cl, CommandLine.ParseResult parsed) {
        PrintWriter err = cl.getErr();
        Exception e = userCause(thrown);
        if (e instanceof ModelException) {
            err.println("error: " + SafeText.line(e.getMessage()));
            return ExitCodes.BAD_MODEL;
        }
        if (e instanceof InvalidRequestException || e instanceof ImageException) {
            err.println("error: " + SafeText.line(e.getMessage()));
            return ExitCodes.BAD_INPUT;
        }
        if (e instanceof CancellationException) {
            err.println("cancelled");
            return ExitCodes.CANCELLED;
        }
        if (e instanceof InvalidPathException p) {
            err.println("error: " + SafeText.line(pathProblem(p)));
            return ExitCodes.BAD_INPUT;
        }
        if (e instanceof IOException) {
            err.println("error: " + SafeText.line(fileProblem((IOException) e)));
            return ExitCodes.BAD_INPUT;
        }
        err.println("internal error: " + SafeText.line(e));
        e.printStackTrace(err);
        return ExitCodes.INTERNAL;
    }

    /**
     * A command line that does not parse: one escaped line (picocli's message quotes the argument,
     * which may hold anything), a pointer to the help, exit code 2. A path option whose value is no
     * path (a NUL in it) is reported as that, without the exception's name.
     */
    private static int usageError(CommandLine.ParameterException ex, String[] args) {
        CommandLine cl = ex.getCommandLine();
        PrintWriter err = cl.getErr();
        String message = ex.getMessage();
        for (Throwable t = ex; t != null; t = t.getCause()) {
            if (t instanceof InvalidPathValue p) {
                String option = ex.getArgSpec() instanceof CommandLine.Model.OptionSpec o ? o.longestName()
                        : ex.getArgSpec() != null ? ex.getArgSpec().paramLabel() : "path";
                message = option + ": " + p.getMessage();
                break;
            }
        }
        err.println("error: " + SafeText.line(message));
        CommandLine.UnmatchedArgumentException.printSuggestions(ex, err);
        err.println("Try '" + cl.getCommandSpec().qualifiedName() + " --help' for more information.");
        return ExitCodes.USAGE;
    }

    /** Path options: a value the file system cannot name (a NUL in it) is a usage error with its reason. */
    private static Path toPath(String value) {
        try {
            return Path.of(value);
        } catch (InvalidPathException e) {
            throw new InvalidPathValue(pathProblem(e));
        }
    }

    /** Marks a path option's value as no path, so the usage error can say so in the option's name. */
    private static final class InvalidPathValue extends CommandLine.TypeConversionException {
        InvalidPathValue(String message) {
            super(message);
        }
    }

    /** "'a\x00b' is not a valid path (...); expected ..." for a value the file system cannot name. */
    static String pathProblem(InvalidPathException e) {
        String reason = e.getReason() == null ? "invalid" : e.getReason();
        return "'" + e.getInput() + "' is not a valid path (" + reason.toLowerCase(java.util.Locale.ROOT)
                + "); expected a file or folder name without NUL characters";
    }

    /** "PATH: why" for the file system's exceptions, whose own message is often just the path. */
    static String fileProblem(IOException e) {
        if (e instanceof FileSystemException f && f.getFile() != null) {
            String why = e instanceof NoSuchFileException ? "no such file or folder"
                    : e instanceof AccessDeniedException ? "permission denied"
                    : e instanceof NotDirectoryException ? "not a folder"
                    : e instanceof java.nio.file.FileAlreadyExistsException ? "already exists"
                    : f.getReason() != null ? f.getReason() : e.getClass().getSimpleName();
            return f.getFile() + (f.getOtherFile() != null ? " -> " + f.getOtherFile() : "") + ": " + why;
        }
        return String.valueOf(e.getMessage());
    }

    /** A user error wrapped on its way out of a callback is still a user error. */
    private static Exception userCause(Exception e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ModelException || t instanceof InvalidRequestException || t instanceof ImageException
                    || t instanceof CancellationException || t instanceof InvalidPathException) {
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
