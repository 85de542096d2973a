package dev.emergence.engine.scheduler;

import dev.emergence.engine.random.NoiseGenerator;
import dev.emergence.engine.tensor.Tensor;

/** What every scheduler shares: its config, the training schedule, the timesteps and the argument checks. */
abstract class AbstractScheduler implements Scheduler {
    private static final double[] NONE = new double[0];

    protected final SchedulerKind kind;
    protected final SchedulerConfig config;
    protected final NoiseSchedule schedule;
    protected final Prediction prediction;
    protected final int trainSteps;

    /** Set by {@link #setTimesteps}; null before. */
    protected double[] timesteps;
    protected double[] sigmas = NONE;
    protected int numInferenceSteps;

    protected AbstractScheduler(SchedulerKind kind, SchedulerConfig config, NoiseSchedule schedule) {
        this.kind = kind;
        this.config = config;
        this.schedule = schedule;
        this.prediction = Prediction.of(config);
        this.trainSteps = config.numTrainTimesteps();
    }

    @Override
    public SchedulerKind kind() { return kind; }

    @Override
    public SchedulerConfig config() { return config; }

    @Override
    public double[] timesteps() {
        requireTimesteps();
        return timesteps.clone();
    }

    @Override
    public double[] sigmas() {
        requireTimesteps();
        return sigmas.clone();
    }

    @Override
    public int order() { return 1; }

    @Override
    public double initNoiseSigma() { return 1.0; }

    @Override
    public Tensor scaleModelInput(Tensor sample, int stepIndex) {
        checkIndex(stepIndex);
        return sample;
    }

    /** For the ᾱ-based schedulers; the sigma-based ones return their own sigma. */
    @Override
    public double sigmaAt(int stepIndex) {
        checkIndex(stepIndex);
        return schedule.veSigmaAt(timestepAt(stepIndex));
    }

    /** The ᾱ-based forward process: sqrt(ᾱ_t)·x0 + sqrt(1 − ᾱ_t)·noise at timestep {@code timesteps()[stepIndex]}. */
    protected Tensor addNoiseAlpha(Tensor original, Tensor noise, int stepIndex) {
        checkIndex(stepIndex);
        double a = schedule.alphaCumprod(timestepAt(stepIndex));
        return TensorOps.lin(Math.sqrt(a), original, Math.sqrt(1 - a), noise);
    }

    /** Validates the step count the way every scheduler needs it, then records it. */
    protected void beginSetTimesteps(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("the number of inference steps must be at least 1, got " + n);
        }
        if (n > trainSteps) {
            throw new IllegalArgumentException("the number of inference steps (" + n
                    + ") cannot exceed the model's " + trainSteps + " training timesteps");
        }
        numInferenceSteps = n;
    }

    /** The integer training timestep at an index (the timesteps of the ᾱ-based schedulers are whole numbers). */
    protected int timestepAt(int stepIndex) {
        return (int) timesteps[stepIndex];
    }

    protected void checkIndex(int stepIndex) {
        requireTimesteps();
        if (stepIndex < 0 || stepIndex >= timesteps.length) {
            throw new IllegalArgumentException("step index " + stepIndex + " is outside 0.." + (timesteps.length - 1));
        }
    }

    protected void checkStep(Tensor modelOutput, int stepIndex, Tensor sample) {
        checkIndex(stepIndex);
        TensorOps.requireSameShape(modelOutput, sample);
    }

    protected static NoiseGenerator requireGenerator(NoiseGenerator generator, SchedulerKind kind) {
        if (generator == null) {
            throw new IllegalArgumentException("the " + kind.a1111Name() + " scheduler draws fresh noise every step and needs a noise generator");
        }
        return generator;
    }

    private void requireTimesteps() {
        if (timesteps == null) throw new IllegalStateException("setTimesteps must be called before using the scheduler");
    }
}
