/**
 * Reverse-mode autograd on a dynamic tape: {@link org.jdiffusion.autograd.Variable} wraps a tensor
 * and the node that produced it; each {@code *Functions} class holds ops with their backward rules
 * beside the forwards; {@link org.jdiffusion.autograd.Gradcheck} checks every rule by finite
 * differences in float64.
 *
 * <p>The accumulation policy and the retain-graph semantics are stated once, in
 * {@link org.jdiffusion.autograd.Grad}.
 */
package org.jdiffusion.autograd;
