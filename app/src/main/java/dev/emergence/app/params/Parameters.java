package dev.emergence.app.params;

import dev.emergence.engine.pipeline.GenerationMode;
import dev.emergence.engine.pipeline.GenerationRequest;
import dev.emergence.engine.random.TorchGenerator;
import dev.emergence.engine.scheduler.ScheduleType;
import dev.emergence.engine.scheduler.SchedulerKind;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.LongProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleLongProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.beans.Observable;

import java.util.List;
import java.util.function.LongSupplier;

/**
 * The prompt panel's state: everything of a request the artist sets, always valid (fields refuse
 * invalid text before it reaches these properties). The picture size is the canvas's and is set
 * from it; see {@link #toRequest}.
 */
public final class Parameters {
    public static final NumberRule CFG = NumberRule.stepped("CFG", 0, 20, 0.5);
    public static final NumberRule STEPS = NumberRule.whole("steps", 1, 150);
    /** Up to 2^53 − 1, the largest whole number a double (the fields' number type) holds exactly. */
    public static final NumberRule SEED = NumberRule.whole("seed", 0, (1L << 53) - 1);
    public static final NumberRule STRENGTH = NumberRule.stepped("strength", 0, 1, 0.01);
    public static final NumberRule FEATHER = NumberRule.whole("feather", 0, 64);
    /** Pictures per Generate, with seeds s, s + 1, …, as AUTOMATIC1111's batch count. */
    public static final NumberRule BATCH_COUNT = NumberRule.whole("batch count", 1, 16);
    public static final NumberRule CLIP_SKIP = NumberRule.whole("Clip skip", 1, GenerationRequest.MAX_CLIP_SKIP);

    private final StringProperty prompt = new SimpleStringProperty("");
    private final StringProperty negativePrompt = new SimpleStringProperty("");
    private final DoubleProperty cfg = new SimpleDoubleProperty(GenerationRequest.DEFAULT_CFG);
    private final IntegerProperty steps = new SimpleIntegerProperty(GenerationRequest.DEFAULT_STEPS);
    private final LongProperty seed = new SimpleLongProperty(0);
    private final BooleanProperty seedLocked = new SimpleBooleanProperty(false);
    private final DoubleProperty strength = new SimpleDoubleProperty(GenerationRequest.DEFAULT_STRENGTH);
    private final IntegerProperty feather = new SimpleIntegerProperty(8);
    /** AUTOMATIC1111's Clip skip: 1 conditions on the layer the model's family uses, 2 on the one before, … */
    private final IntegerProperty clipSkip = new SimpleIntegerProperty(1);
    private final IntegerProperty batchCount = new SimpleIntegerProperty(1);
    private final ObjectProperty<SchedulerKind> scheduler = new SimpleObjectProperty<>(SchedulerKind.EULER_ANCESTRAL);
    /** Always one the sampler takes: a sampler that does not take it sets it back to Automatic. */
    private final ObjectProperty<ScheduleType> schedule = new SimpleObjectProperty<>(ScheduleType.AUTOMATIC);
    private final LongSupplier randomSeed;
    /**
     * The seed in the field has not been used by a generation yet (typed, rolled with the dice,
     * restored): the next Generate uses it even with the lock open. The automatic roll of an
     * unlocked seed happens only when the field still shows the seed of the last run.
     */
    private boolean seedUnused = true;
    private boolean autoRolling;

    /** @param randomSeed where new seeds come from (the dice, and every unlocked generation) */
    public Parameters(LongSupplier randomSeed) {
        this.randomSeed = randomSeed;
        seed.set(randomSeed.getAsLong());
        seed.addListener((o, a, b) -> {
            if (!autoRolling) seedUnused = true;
        });
        scheduler.addListener((o, a, k) -> {
            if (k == SchedulerKind.DPMPP_2M_KARRAS) { // the older name of the pair (a model config's choice)
                scheduler.set(SchedulerKind.DPMPP_2M);
                schedule.set(ScheduleType.KARRAS);
            } else if (k != null && !schedule.get().supports(k)) {
                schedule.set(ScheduleType.AUTOMATIC);
            }
        });
        schedule.addListener((o, a, t) -> {
            if (t == null || (scheduler.get() != null && !t.supports(scheduler.get()))) schedule.set(ScheduleType.AUTOMATIC);
        });
    }

    public Parameters() {
        this(TorchGenerator::randomSeed);
    }

    public StringProperty promptProperty() { return prompt; }

    public StringProperty negativePromptProperty() { return negativePrompt; }

    public DoubleProperty cfgProperty() { return cfg; }

    public IntegerProperty stepsProperty() { return steps; }

    public LongProperty seedProperty() { return seed; }

    public BooleanProperty seedLockedProperty() { return seedLocked; }

    public DoubleProperty strengthProperty() { return strength; }

    public IntegerProperty featherProperty() { return feather; }

    public IntegerProperty clipSkipProperty() { return clipSkip; }

    /** How many pictures one Generate makes, seeds s, s + 1, … */
    public IntegerProperty batchCountProperty() { return batchCount; }

    public ObjectProperty<SchedulerKind> schedulerProperty() { return scheduler; }

    /** AUTOMATIC1111's "Schedule type" of the sampler. */
    public ObjectProperty<ScheduleType> scheduleProperty() { return schedule; }

    /** Every property, for listeners that save or validate on any change. */
    public List<Observable> all() {
        return List.of(prompt, negativePrompt, cfg, steps, seed, seedLocked, strength, feather, clipSkip, batchCount, scheduler, schedule);
    }

    /** The dice: a new random seed. */
    public void rollSeed() {
        seed.set(randomSeed.getAsLong());
    }

    /**
     * The request for the next generation. A seed the artist typed (or rolled, or restored) is
     * used as it is. Otherwise, unless the lock is closed, a new seed is rolled first, so every
     * Generate gives a new picture; either way the field shows the seed that made it.
     */
    public GenerationRequest toRequest(int width, int height, GenerationMode mode, String modelName) {
        if (!seedLocked.get() && !seedUnused) {
            autoRolling = true;
            try {
                rollSeed();
            } finally {
                autoRolling = false;
            }
        }
        seedUnused = false;
        double s = mode == GenerationMode.TXT2IMG ? GenerationRequest.DEFAULT_STRENGTH : strength.get();
        double f = mode == GenerationMode.INPAINT ? feather.get() : 0;
        return new GenerationRequest(prompt.get(), negativePrompt.get(), width, height, steps.get(), cfg.get(), seed.get(),
                scheduler.get(), schedule.get(), s, f, null, null, modelName, clipSkip.get());
    }

    /**
     * Takes a request's parameters (from the gallery or a PNG). The seed is locked so that the
     * next Generate reproduces the picture. Values outside the panel's ranges are clamped;
     * returns one line per value that was, for a notification.
     */
    public List<String> apply(GenerationRequest r) {
        java.util.List<String> clamped = new java.util.ArrayList<>();
        prompt.set(r.prompt());
        negativePrompt.set(r.negativePrompt());
        cfg.set(clamp(CFG, r.cfgScale(), clamped));
        steps.set((int) clamp(STEPS, r.steps(), clamped));
        seed.set(r.seed());
        seedLocked.set(true);
        strength.set(clamp(STRENGTH, r.strength(), clamped));
        feather.set((int) clamp(FEATHER, Math.round(r.maskFeatherPixels()), clamped));
        clipSkip.set((int) clamp(CLIP_SKIP, r.clipSkipOrDefault(), clamped));
        if (r.scheduler() != null) scheduler.set(r.scheduler());
        schedule.set(r.schedule());
        return clamped;
    }

    private static double clamp(NumberRule rule, double v, List<String> notes) {
        double s = rule.snap(v);
        if (s != v) notes.add(rule.name() + " " + rule.format(v) + " set to " + rule.format(s) + " (the panel's range is " + rule.expectation() + ")");
        return s;
    }
}
