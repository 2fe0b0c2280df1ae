//! Paths through the stages: which stages the start reaches, and from which
//! stages a terminal stage can be reached. Both are one walk over the actions
//! (forwards from the start, backwards from the terminal stages), so a
//! definition with thousands of stages is checked in time proportional to its
//! size.

use std::collections::VecDeque;

/// Where an action leads, as far as the paths are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Edge {
    /// To the stage with this index.
    To(usize),
    /// To a stage the file does not define. That mistake is reported where it
    /// is written; here the action is taken to lead anywhere: to every stage
    /// (any of them may have been meant) and to a way out. So it does not also make stages look
    /// unreachable, or its own stage (and those before it) look like dead ends.
    Unknown,
}

/// What the walk found, per stage index.
#[derive(Debug)]
pub(super) struct Paths {
    /// The stage can be reached from the start.
    pub reached: Vec<bool>,
    /// Some terminal stage can be reached from the stage.
    pub finishes: Vec<bool>,
}

/// Walks the stages: `edges[i]` are the actions of stage `i`, `terminal[i]`
/// whether it ends the project.
pub(super) fn walk(start: usize, edges: &[Vec<Edge>], terminal: &[bool]) -> Paths {
    let n = edges.len();
    let mut reached = vec![false; n];
    let mut queue = VecDeque::new();
    if start < n {
        reached[start] = true;
        queue.push_back(start);
    }
    let mut anywhere = false;
    while let Some(i) = queue.pop_front() {
        for edge in &edges[i] {
            match *edge {
                Edge::To(j) if j < n && !reached[j] => {
                    reached[j] = true;
                    queue.push_back(j);
                }
                Edge::Unknown => anywhere = true,
                Edge::To(_) => {}
            }
        }
    }
    if anywhere {
        reached.fill(true);
    }

    let mut before: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut finishes = terminal.to_vec();
    finishes.resize(n, false);
    for (i, out) in edges.iter().enumerate() {
        for edge in out {
            match *edge {
                Edge::To(j) if j < n => before[j].push(i),
                Edge::To(_) | Edge::Unknown => finishes[i] = true,
            }
        }
    }
    let mut queue: VecDeque<usize> = (0..n).filter(|&i| finishes[i]).collect();
    while let Some(j) = queue.pop_front() {
        for &i in &before[j] {
            if !finishes[i] {
                finishes[i] = true;
                queue.push_back(i);
            }
        }
    }
    Paths { reached, finishes }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_loop_beside_the_way_out() {
        // 0 -> 1 -> 2 -> 1 (loop), 0 -> 3 (terminal), 4 unreachable.
        let edges = vec![
            vec![Edge::To(1), Edge::To(3)],
            vec![Edge::To(2)],
            vec![Edge::To(1)],
            vec![],
            vec![Edge::To(3)],
        ];
        let terminal = [false, false, false, true, false];
        let p = walk(0, &edges, &terminal);
        assert_eq!(p.reached, [true, true, true, true, false]);
        assert_eq!(p.finishes, [true, false, false, true, true]);
    }

    #[test]
    fn an_unknown_target_counts_as_a_way_out() {
        let edges = vec![vec![Edge::To(1)], vec![Edge::Unknown], vec![]];
        let p = walk(0, &edges, &[false, false, true]);
        assert_eq!(p.finishes, [true, true, true]);
        assert_eq!(p.reached, [true, true, true]);
        // Unless no stage that is reached leads there.
        let edges = vec![vec![], vec![Edge::Unknown], vec![]];
        let p = walk(0, &edges, &[true, false, true]);
        assert_eq!(p.reached, [true, false, false]);
    }

    #[test]
    fn a_long_chain_is_one_walk() {
        let n = 100_000;
        let edges: Vec<Vec<Edge>> = (0..n)
            .map(|i| {
                if i + 1 < n {
                    vec![Edge::To(i + 1)]
                } else {
                    vec![]
                }
            })
            .collect();
        let mut terminal = vec![false; n];
        terminal[n - 1] = true;
        let p = walk(0, &edges, &terminal);
        assert!(p.reached.iter().all(|r| *r));
        assert!(p.finishes.iter().all(|f| *f));
    }
}
