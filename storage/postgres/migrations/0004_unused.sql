-- A version number kept for a change that in the end needed no schema change.
SELECT 1;
