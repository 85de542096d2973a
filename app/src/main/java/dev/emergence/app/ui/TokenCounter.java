package dev.emergence.app.ui;

import dev.emergence.app.engine.StudioEngine;
import dev.emergence.app.engine.TokenCount;
import dev.emergence.app.fx.FxThread;
import dev.emergence.app.generation.LatestWins;
import javafx.animation.PauseTransition;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.value.ObservableStringValue;
import javafx.util.Duration;

import java.util.Optional;
import java.util.concurrent.ExecutorService;

/**
 * Counts a prompt's tokens with the model's own tokenizer as the artist types: a short pause after
 * the last keystroke, then on a worker thread (the tokenizer is the engine's), newest text wins.
 */
public final class TokenCounter {
    private final StudioEngine engine;
    private final ReadOnlyObjectWrapper<Optional<TokenCount>> count = new ReadOnlyObjectWrapper<>(Optional.empty());
    private final LatestWins<String> requests;
    private final LatestWins<Optional<TokenCount>> results = new LatestWins<>(FxThread.FX, count::set);
    private final PauseTransition debounce = new PauseTransition(Duration.millis(120));
    private final ObservableStringValue text;
    /** Set on the FX thread by {@link #stop}; a model load that lands after it must not reach the closed worker. */
    private boolean stopped;

    public TokenCounter(StudioEngine engine, ExecutorService worker, ObservableStringValue text) {
        this.engine = engine;
        this.text = text;
        this.requests = new LatestWins<>(worker, t -> results.offer(engine.countTokens(t)));
        debounce.setOnFinished(e -> recount());
        text.addListener((o, a, b) -> debounce.playFromStart());
    }

    /** Counts again now (after a model change: another tokenizer). */
    public void recount() {
        if (stopped) return;
        requests.offer(text.get() == null ? "" : text.get());
    }

    /** Stops counting (the studio is closing and the worker is gone). */
    public void stop() {
        stopped = true;
        debounce.stop();
        debounce.setOnFinished(null);
    }

    public ReadOnlyObjectProperty<Optional<TokenCount>> countProperty() { return count.getReadOnlyProperty(); }
}
