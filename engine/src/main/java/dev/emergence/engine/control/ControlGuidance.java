package dev.emergence.engine.control;

import dev.emergence.engine.InvalidRequestException;
import dev.emergence.engine.model.DiffusionModels;
import dev.emergence.engine.model.ModelException;
import dev.emergence.engine.tensor.Tensor;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The ControlNets of one generation, as the denoising loop uses them: at each step, the residuals
 * the UNet takes, by its input names. As diffusers' StableDiffusionControlNetPipeline: every
 * ControlNet runs on the same latent batch and text states as the UNet (with CFG, [uncond; cond],
 * the control picture doubled), its residuals are multiplied by its weight, the residuals of several
 * ControlNets are summed (MultiControlNetModel), and a ControlNet outside its start..end part of the
 * schedule adds nothing (diffusers runs it with scale 0; here it is not run). Without any ControlNet
 * acting, the map is empty and the UNet takes zero residuals.
 */
public final class ControlGuidance {
    private record Applied(ControlUnit unit, DiffusionModels.ControlNet net, Tensor image) {
    }

    private final List<Applied> controls;
    private final List<String> residualInputs;
    private final List<BufferedImage> pictures;

    private ControlGuidance(List<Applied> controls, List<String> residualInputs, List<BufferedImage> pictures) {
        this.controls = controls;
        this.residualInputs = residualInputs;
        this.pictures = pictures;
    }

    /** No ControlNet: nothing to add. */
    public static ControlGuidance none() {
        return new ControlGuidance(List.of(), List.of(), List.of());
    }

    /**
     * Makes the control pictures (each unit's preprocessor at the generation's size) and checks that
     * every ControlNet returns as many residuals as the UNet takes.
     *
     * @param units          the request's controls
     * @param inputs         their ControlNets and pictures, in the same order
     * @param residualInputs the UNet's residual inputs, in order ({@link DiffusionModels.Denoiser#residualInputs})
     * @param unetLabel      how messages name the UNet
     * @param guided         CFG: the control picture is doubled for the batch [uncond; cond]
     */
    public static ControlGuidance prepare(List<ControlUnit> units, List<ControlInput> inputs, List<String> residualInputs,
                                          String unetLabel, boolean guided, int width, int height)
            throws InvalidRequestException, ModelException {
        if (units.size() != inputs.size()) {
            throw new InvalidRequestException("controls: the request has " + units.size() + " ControlNets but " + inputs.size()
                    + " control pictures were given; expected one picture per ControlNet");
        }
        List<Applied> applied = new ArrayList<>();
        List<BufferedImage> pictures = new ArrayList<>();
        for (int i = 0; i < units.size(); i++) {
            ControlInput in = inputs.get(i);
            int count = in.net().residualCount();
            if (count != residualInputs.size()) {
                throw new ModelException(in.net().label() + ": returns " + count + " residuals but " + unetLabel + " takes "
                        + residualInputs.size() + "; expected a ControlNet made for this base model (its UNet's down and mid blocks)");
            }
            BufferedImage picture = units.get(i).createPreprocessor().apply(in.picture(), width, height);
            pictures.add(picture);
            Tensor image = ControlPictures.toTensor(picture);
            applied.add(new Applied(units.get(i), in.net(), guided ? Tensor.concatBatch(image, image) : image));
        }
        return new ControlGuidance(List.copyOf(applied), List.copyOf(residualInputs), List.copyOf(pictures));
    }

    public boolean isEmpty() {
        return controls.isEmpty();
    }

    /** The control pictures the ControlNets read, in order, at the generation's size. */
    public List<BufferedImage> pictures() {
        return pictures;
    }

    /**
     * The UNet's residual inputs at loop step {@code step} of {@code steps}: the sum over the
     * ControlNets acting then of their weighted residuals; empty when none acts.
     *
     * @param sample the UNet's batch of scaled latents, without inpainting channels
     */
    public Map<String, Tensor> unetInputs(Tensor sample, double timestep, Tensor encoderHiddenStates, int step, int steps)
            throws ModelException {
        float[][] sum = null;
        int[][] shapes = null;
        String first = null;
        for (Applied a : controls) {
            if (!a.unit().activeAt(step, steps)) continue;
            List<Tensor> residuals = a.net().residuals(sample, timestep, encoderHiddenStates, a.image(), a.unit().weight());
            if (sum == null) {
                sum = new float[residuals.size()][];
                shapes = new int[residuals.size()][];
                for (int r = 0; r < residuals.size(); r++) {
                    sum[r] = residuals.get(r).data().clone();
                    shapes[r] = residuals.get(r).shape();
                }
                first = a.net().label();
                continue;
            }
            for (int r = 0; r < residuals.size(); r++) {
                Tensor t = residuals.get(r);
                if (!Arrays.equals(t.shape(), shapes[r])) {
                    throw new ModelException(a.net().label() + ": its residual " + r + " is " + t + " but " + first + "'s is "
                            + new Tensor(new float[sum[r].length], shapes[r]) + "; expected ControlNets of the same base model");
                }
                float[] d = t.data(), s = sum[r];
                for (int k = 0; k < s.length; k++) s[k] += d[k];
            }
        }
        if (sum == null) return Map.of();
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (int r = 0; r < sum.length; r++) out.put(residualInputs.get(r), new Tensor(sum[r], shapes[r]));
        return out;
    }
}
