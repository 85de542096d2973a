package dev.emergence.engine.cli;

import dev.emergence.engine.InvalidRequestException;
import dev.emergence.engine.text.PromptSyntaxException;
import dev.emergence.engine.text.SafeText;
import dev.emergence.engine.text.ClipTokenizer;
import dev.emergence.engine.text.TokenizedPrompt;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = {"Print the 77 token ids of the prompt's first window as a JSON array.",
                "The prompt is read with AUTOMATIC1111's attention syntax ((word:1.3), [word], BREAK); "
                        + "when it weights any token, the weights of the same positions follow on stderr."})
final class TokenizeCommand implements Callable<Integer> {
    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    static final class Source {
        @Option(names = "--model", paramLabel = "DIR|NAME", description = "A model folder or library model name (its tokenizer/ is used).")
        String model;
        @Option(names = "--tokenizer", paramLabel = "DIR", description = "A tokenizer folder (tokenizer.json, or vocab.json + merges.txt).")
        Path tokenizer;
    }

    @Option(names = "--all", description = "Print every 77-token window, as an array of arrays.")
    boolean all;

    @Parameters(paramLabel = "TEXT", arity = "1..*", description = "The prompt (several words are joined with spaces).")
    String[] text;

    @Override
    public Integer call() throws Exception {
        Path dir = source.tokenizer != null ? source.tokenizer : ModelArgument.resolve(source.model).resolve("tokenizer");
        try (ClipTokenizer tokenizer = ClipTokenizer.load(dir)) {
            TokenizedPrompt t;
            try {
                t = tokenizer.tokenize(String.join(" ", text), 1);
            } catch (PromptSyntaxException e) {
                throw new InvalidRequestException("prompt: " + e.getMessage(), e);
            }
            Object out = all ? t.windows() : t.windows()[0];
            System.out.println(Json.MAPPER.writeValueAsString(out));
            if (t.weighted()) {
                Object weights = all ? t.weights() : t.weights()[0];
                System.err.println("weights: " + Json.MAPPER.writeValueAsString(weights));
            }
            if (!t.unknownWords().isEmpty()) {
                System.err.println(SafeText.line("unknown words: " + String.join(", ", t.unknownWords())));
            }
        }
        return ExitCodes.OK;
    }
}
