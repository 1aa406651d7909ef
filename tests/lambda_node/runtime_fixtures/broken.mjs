// A syntax error: the init phase fails with Runtime.UserCodeSyntaxError.
export const handler = async (event) => {
  return {;
};
