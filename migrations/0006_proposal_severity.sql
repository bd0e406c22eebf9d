-- How much an insight matters (low, medium, high); NULL for other kinds of proposal.
ALTER TABLE proposals ADD COLUMN severity TEXT CHECK (severity IN ('low', 'medium', 'high'));
