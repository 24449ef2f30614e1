console.log("portal")
